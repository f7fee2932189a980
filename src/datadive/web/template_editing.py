"""The template editor's form: the posted fields become the data the cell-template services
take (inputs and outputs are typed as YAML or JSON), and a refused template's problems are
placed next to the field they are about. `template_preview` shows what the template makes.

Nothing is checked here that `cell_templates.validation` checks; this module only reads the
text areas and words the services' messages for a form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, get_args

import yaml

from datadive.cell_templates.spec import InputType
from datadive.db.models import CellTemplate
from datadive.errors import Conflict, DatadiveError, FieldError, Invalid
from datadive.web.forms import CHECK_FIELDS, Form, sentence

FIELDS = ("title", "slug", "description", "category", "visibility", "code", "inputs", "outputs")
LABELS = {
    "title": "Title",
    "slug": "Short name",
    "description": "Description",
    "category": "Category",
    "visibility": "Who can use it",
    "code": "Code",
    "inputs": "Inputs",
    "outputs": "Outputs",
}
# Deeper than any real template; refused before PyYAML builds (recursively) the objects.
MAX_DEPTH = 20
LOCATION = re.compile(r"^(inputs|outputs)(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?")
SETTINGS = {"inputs": "an input", "outputs": "an output"}
VISIBILITIES = {"private": "Only me", "public": "Everyone (public)"}


def check_events(text: str, name: str) -> None:
    """Refuse anchors and aliases (a few lines could stand for millions of values) and deep
    nesting, reading only the event stream, which PyYAML parses without recursion."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise Invalid.field(name, "must not use YAML anchors or aliases (& and *)")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise Invalid.field(name, f"must not be nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_list(text: str, name: str) -> list[Any]:
    """A list typed as YAML or JSON (JSON is YAML); empty text is an empty list."""
    if not text.strip():
        return []
    try:
        check_events(text, name)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "it cannot be read"
        raise Invalid.field(name, f"cannot be read as YAML or JSON{where}: {problem}") from None
    if not isinstance(data, list):
        raise Invalid.field(name, "must be a list: one entry per line, each starting with “- ”")
    return data


def slug_from(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:100].strip("-")


def template_data(values: Mapping[str, str], *, slug: str | None) -> dict[str, Any]:
    """The template as the services take it; `slug=None` leaves it out (an edit)."""
    data: dict[str, Any] = {
        "title": values.get("title", "").strip(),
        "description": values.get("description", "").strip(),
        "category": values.get("category", "").strip(),
        "code": values.get("code", "").replace("\r\n", "\n"),
    }
    problems: list[FieldError] = []
    for name in ("inputs", "outputs"):
        try:
            data[name] = read_list(values.get(name, ""), name)
        except Invalid as exc:
            problems.extend(exc.errors)
    if problems:
        raise Invalid("Check the inputs and outputs.", errors=problems)
    if slug is not None:
        data["slug"] = slug
    return data


def chosen_visibility(values: Mapping[str, str]) -> str:
    value = values.get("visibility", "private")
    if value not in VISIBILITIES:
        raise Invalid.field("visibility", "must be “Only me” or “Everyone”")
    return value


def left_out(value: Any) -> bool:
    """A setting at its default (`min: 0` is not: 0 == False in Python)."""
    return value is None or value is False or (isinstance(value, str) and not value)


def tidy(value: Any) -> Any:
    """`0` rather than `0.0`: numbers come back from JSON as floats."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def form_values(row: CellTemplate) -> dict[str, str]:
    """A saved template as the editor shows it."""

    def dump(items: list[dict[str, Any]]) -> str:
        # One line per entry where it fits, without the settings left at their defaults.
        shown = [{k: tidy(v) for k, v in item.items() if not left_out(v)} for item in items]
        if not shown:
            return ""
        text = yaml.safe_dump(
            shown, sort_keys=False, allow_unicode=True, default_flow_style=None, width=200
        )
        return str(text)

    return {
        "title": row.title,
        "slug": row.slug,
        "description": row.description,
        "category": row.category,
        "visibility": row.visibility,
        "code": row.code,
        "inputs": dump(row.inputs),
        "outputs": dump(row.outputs),
    }


def entry_message(group: str, entry: Any, key: str | None, message: str) -> str:
    """A message about one input or output, in words for someone who typed the YAML."""
    if key == "type" and group == "inputs" and message.startswith("Input should be"):
        typed = entry.get("type") if isinstance(entry, dict) else None
        return f"`{typed}` is not an input type; use one of {', '.join(get_args(InputType))}"
    if message.startswith("Extra inputs are not permitted"):
        return f"`{key}` is not a setting of {SETTINGS[group]}"
    if message == "Field required":
        return f"`{key}` is missing"
    if message.startswith("Input should be a valid dictionary"):
        return "must be a mapping such as {name: data, type: dataframe}"
    return re.sub(r"^Input should be", "should be", message)


def placed(problem: FieldError, data: Mapping[str, Any]) -> tuple[str, str]:
    """The form field a service's problem belongs to, and what to say there."""
    match = LOCATION.match(problem.field)
    if match is None:
        if problem.field == "slug" and problem.message.startswith("String should match"):
            return "slug", "must be 3 to 100 lower-case letters, digits and dashes"
        if problem.message == "String should have at least 1 character":
            return problem.field, "is required"
        return problem.field, problem.message
    group, index, key = match[1], int(match[2] or match[3]), match[4]
    entries = data.get(group) or []
    entry = entries[index] if index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    where = f"{'Input' if group == 'inputs' else 'Output'} {index + 1}"
    where += f" (`{name}`)" if isinstance(name, str) and name else ""
    where += f", {key}" if key and key != "name" else ""
    return group, f"{where}: {entry_message(group, entry, key, problem.message)}"


def problems_by_field(error: DatadiveError, data: Mapping[str, Any]) -> dict[str, list[str]]:
    if isinstance(error, Conflict):
        return {"slug": [error.detail]}
    if not isinstance(error, Invalid) or not error.errors:
        return {"": [error.detail]}
    found: dict[str, list[str]] = {}
    for problem in error.errors:
        name, message = placed(problem, data)
        if message not in found.setdefault(name, []):
            found[name].append(message)
    return found


def rejected_form(values: Mapping[str, str], error: DatadiveError, data: Mapping[str, Any]) -> Form:
    """The form again, as typed, with each problem under its field."""
    errors: dict[str, str] = {}
    summary: list[str] = []
    for name, messages in problems_by_field(error, data).items():
        if name in FIELDS:
            label = LABELS[name]
            single = len(messages) == 1
            errors[name] = messages[0] if single else " ".join(sentence(label, m) for m in messages)
        else:
            summary.extend(f"{name}: {m}" if name else m for m in messages)
    message = " ".join(summary) if summary else CHECK_FIELDS
    return Form(values=dict(values), errors=errors, message=message)
