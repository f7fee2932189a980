"""The live preview of a template being written: the form a cell made from it shows and the
code that cell gets, through the same checks and rendering as a saved template and a cell.
Nothing is saved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from datadive.cell_templates.rendering import render
from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.validation import load_template, sample_value
from datadive.cell_templates.values import check_values, is_empty
from datadive.errors import Invalid
from datadive.web.cell_forms import Field, build_fields
from datadive.web.forms import sentence
from datadive.web.template_editing import LABELS, SETTINGS, problems_by_field, template_data

PREVIEW_SLUG = "preview"


def described(name: str, message: str) -> str:
    """A problem as a sentence that says which field it is about."""
    label = LABELS.get(name, name)
    text = sentence(label, message)
    if not label or name in SETTINGS or text.startswith(label):
        return text
    return f"{label}: {text}"


@dataclass(frozen=True)
class Preview:
    """What a cell made from the template would look like, or why there is nothing to show."""

    fields: list[Field] = field(default_factory=list)
    code: str = ""
    problems: list[str] = field(default_factory=list)
    empty: bool = False


def preview_code(spec: TemplateSpec) -> str:
    """The code of a new cell left at its defaults, a sample value standing in for each
    required input without one; if that code cannot parse (an optional name left empty),
    every input gets a sample value, as when the template was checked."""
    given = {
        item.name: sample_value(item)
        for item in spec.inputs
        if item.required and is_empty(item.default)
    }
    try:
        return render(spec, check_values(spec, given))
    except Invalid:
        return render(spec, {item.name: sample_value(item) for item in spec.inputs})


def build_preview(values: Mapping[str, str]) -> Preview:
    """The form the inputs make and the code a new cell gets, through the same checks and
    rendering as a saved template and a cell."""
    if not values.get("code", "").strip():
        return Preview(empty=True)
    data: dict[str, Any] = {}
    try:
        data = template_data(values, slug=PREVIEW_SLUG)
        data["title"] = data["title"] or "Preview"
        data["category"] = data["category"] or "Preview"
        spec = load_template(data)
        code = preview_code(spec)
    except Invalid as error:
        found = problems_by_field(error, data)
        return Preview(
            problems=[described(name, m) for name, messages in found.items() for m in messages]
        )
    # No notebook and no kernel here, so no column names to suggest.
    fields = [replace(item, column_of="") for item in build_fields(spec, saved=None, tables=())]
    return Preview(fields=fields, code=code)
