"""A template cell's form: one control per template input, built from the same rules the
server checks (`cell_templates.values`), and the posted form turned back into typed values.

Fields are named `in.<input>` so that they never clash with the form's own fields. A value
that cannot be read (letters in a number field) is passed on as typed, so the service's check
names the field and the page shows what the user wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from datadive.cell_templates.spec import TemplateInput, TemplateSpec
from datadive.errors import DatadiveError, Invalid
from datadive.web.deps import MAX_FORM_BYTES

PREFIX = "in."
Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Field:
    """One control as the template shows it."""

    name: str
    control: str  # text | number | checkbox | select
    label: str
    help: str
    required: bool
    value: str = ""
    checked: bool = False
    multiple: bool = False
    options: tuple[tuple[str, bool], ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    error: str = ""
    # For `column` / `columns`: the `dataframe` input whose columns the picker offers, and
    # the measurement levels it offers (empty: all).
    column_of: str = ""
    many: bool = False
    levels: tuple[str, ...] = ()
    # For `number` / `integer`: the column input whose values the number should lie among.
    range_of: str = ""
    # For `file`: the project's files the input accepts, as the kernel opens them.
    file_choices: tuple[str, ...] = ()

    @property
    def field_name(self) -> str:
        return PREFIX + self.name


async def form_pairs(request: Request) -> Pairs:
    """The posted fields in order, repeated names kept (a multiple select sends several)."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise Invalid.field("body", f"is larger than {MAX_FORM_BYTES // 1024} KiB")
    try:
        return parse_qsl(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise Invalid.field("body", "is not UTF-8") from None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def number(text: str, *, whole: bool) -> Any:
    try:
        return int(text) if whole else float(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def typed_value(item: TemplateInput, raw: list[str]) -> Any:
    """The value of one input from what the browser sent (None: not given)."""
    text = raw[-1].strip() if raw else ""
    options = {as_text(option): option for option in item.options or []}
    match item.type:
        case "boolean":
            return bool(raw)
        case "multiselect":
            return [options.get(choice, choice) for choice in raw if choice]
        case "columns":
            return column_names(raw)
        case "number" | "integer":
            return number(text, whole=item.type == "integer") if text else None
        case "select":
            return options.get(text, text) if text else None
        case _:
            return text or None


def column_names(raw: list[str]) -> list[str]:
    """A `columns` field: typed as one text of names separated by commas (the plain form), or
    sent as one value per column by the picker (`js/column-picker.js`), which sends an empty
    value first so that a single name holding a comma stays whole."""
    if len(raw) > 1:
        return [name.strip() for name in raw if name.strip()]
    text = raw[0] if raw else ""
    return [name.strip() for name in text.split(",") if name.strip()]


def posted_inputs(spec: TemplateSpec, pairs: Pairs) -> dict[str, Any]:
    given: dict[str, list[str]] = {}
    for key, value in pairs:
        if key.startswith(PREFIX):
            given.setdefault(key.removeprefix(PREFIX), []).append(value)
    values = {item.name: typed_value(item, given.get(item.name, [])) for item in spec.inputs}
    return {name: value for name, value in values.items() if value is not None}


def field_errors(error: DatadiveError | None) -> dict[str, str]:
    if not isinstance(error, Invalid):
        return {}
    return {
        problem.field.removeprefix("inputs."): problem.message
        for problem in error.errors
        if problem.field.startswith("inputs.")
    }


def constraint_attrs(item: TemplateInput) -> tuple[tuple[str, str], ...]:
    attrs: list[tuple[str, str]] = []
    if item.type in {"number", "integer"}:
        attrs.append(("step", "1" if item.type == "integer" else "any"))
        if item.min is not None:
            attrs.append(("min", as_text(item.min)))
        if item.max is not None:
            attrs.append(("max", as_text(item.max)))
    if item.max_length is not None:
        attrs.append(("maxlength", str(item.max_length)))
    if item.pattern:
        attrs.append(("pattern", item.pattern))
    elif item.type == "identifier":
        attrs.append(("pattern", "[A-Za-z_][A-Za-z0-9_]*"))
    if item.type == "columns":
        attrs.append(("placeholder", "column names, separated by commas"))
    return tuple(attrs)


def table_input(spec: TemplateSpec, item: TemplateInput) -> str:
    """The `dataframe` input a column input belongs to (`TemplateSpec.table_of`)."""
    table = spec.table_of(item)
    return table.name if table is not None else ""


def file_choices(item: TemplateInput, files: Sequence[str]) -> tuple[str, ...]:
    """The files (kernel paths, `data/<path>`) a `file` input accepts, by their endings."""
    if item.type != "file":
        return ()
    endings = tuple(ending.lower() for ending in item.accept or ())
    return tuple(path for path in files if not endings or path.lower().endswith(endings))


def build_field(
    item: TemplateInput,
    value: Any,
    *,
    error: str,
    tables: Sequence[str],
    typed: list[str] | None,
    column_of: str = "",
    files: Sequence[str] = (),
) -> Field:
    base = Field(
        name=item.name,
        control="text",
        label=item.label or item.name,
        help=item.help,
        required=item.required,
        error=error,
    )
    if item.type == "boolean":
        checked = bool(typed) if typed is not None else bool(value)
        return replace(base, control="checkbox", required=False, checked=checked)
    if item.type in {"select", "multiselect", "dataframe"}:
        if typed is not None:
            chosen = set(typed)
        elif isinstance(value, list):
            chosen = {as_text(v) for v in value}
        else:
            chosen = {as_text(value)}
        names = [as_text(o) for o in item.options or []] if item.type != "dataframe" else []
        if item.type == "dataframe":
            names = list(dict.fromkeys([*tables, *(c for c in chosen if c)]))
        options = tuple((name, name in chosen) for name in names)
        multiple = item.type == "multiselect"
        return replace(base, control="select", multiple=multiple, options=options)
    if typed is not None and item.type == "columns":
        text = ", ".join(column_names(typed))
    elif typed is not None:
        text = typed[-1] if typed else ""
    elif isinstance(value, list):
        text = ", ".join(as_text(v) for v in value)
    else:
        text = as_text(value)
    control = "number" if item.type in {"number", "integer"} else "text"
    return replace(
        base,
        control=control,
        value=text,
        attrs=constraint_attrs(item),
        column_of=column_of,
        many=item.type == "columns",
        levels=tuple(item.levels or ()) if column_of else (),
        range_of=item.range_of or "",
        file_choices=file_choices(item, files),
    )


def build_fields(
    spec: TemplateSpec,
    *,
    saved: Mapping[str, Any] | None,
    tables: Sequence[str],
    files: Sequence[str] = (),
    pairs: Pairs | None = None,
    error: DatadiveError | None = None,
) -> list[Field]:
    """The form's fields: what the user typed after a failed submit (`pairs`), else the saved
    inputs, else the template's defaults. `files` are the project's files as the kernel
    opens them (`data/<path>`), offered to `file` inputs."""
    errors = field_errors(error)
    typed: dict[str, list[str]] | None = None
    if pairs is not None:
        typed = {item.name: [] for item in spec.inputs}
        for key, value in pairs:
            if key.startswith(PREFIX) and key.removeprefix(PREFIX) in typed:
                typed[key.removeprefix(PREFIX)].append(value)
    values = saved or {}
    return [
        build_field(
            item,
            values.get(item.name, item.default),
            error=errors.get(item.name, ""),
            tables=tables,
            typed=typed.get(item.name) if typed is not None else None,
            column_of=table_input(spec, item),
            files=files,
        )
        for item in spec.inputs
    ]
