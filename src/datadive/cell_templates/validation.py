"""Check a whole template before it is used: language, inputs, outputs, and that its code
parses with sample values. Problems name the field, and the line for code."""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

from pydantic import ValidationError

from datadive.cell_templates.names import identifier_problem
from datadive.cell_templates.rendering import render
from datadive.cell_templates.spec import COLUMN_TYPES, TemplateInput, TemplateSpec
from datadive.cell_templates.syntax import check_syntax
from datadive.cell_templates.values import value_problem
from datadive.errors import FieldError, Invalid

SAMPLES: dict[str, Any] = {
    "text": "sample",
    "number": 1.5,
    "integer": 1,
    "boolean": True,
    "file": "data/sample.csv",
    "dataframe": "df",
    "column": "a column",
    "columns": ["a", "b"],
    "identifier": "result",
}


def sample_value(spec: TemplateInput) -> Any:
    if spec.default not in (None, "", []):
        return spec.default
    if spec.type == "select":
        return (spec.options or ["x"])[0]
    if spec.type == "multiselect":
        return (spec.options or ["x"])[:1]
    if spec.type == "file" and spec.accept:
        return f"data/sample{spec.accept[0]}"
    return SAMPLES[spec.type]


def input_problems(template: TemplateSpec) -> list[FieldError]:
    errors = []
    counts = Counter(item.name for item in template.inputs)
    kinds = {item.name: item.type for item in template.inputs}
    for index, item in enumerate(template.inputs):
        field = f"inputs[{index}]"
        if counts[item.name] > 1:
            errors.append(FieldError(f"{field}.name", f"`{item.name}` is used by two inputs"))
        if item.type in {"select", "multiselect"} and not item.options:
            errors.append(FieldError(f"{field}.options", "a choice needs options"))
        if item.of is not None and kinds.get(item.of) != "dataframe":
            errors.append(FieldError(f"{field}.of", f"`{item.of}` is not a dataframe input"))
        if item.default not in (None, "", []) and (problem := value_problem(item, item.default)):
            errors.append(FieldError(f"{field}.default", problem))
        errors.extend(data_problems(template, item, field))
    return errors


def data_problems(template: TemplateSpec, item: TemplateInput, field: str) -> list[FieldError]:
    """`levels` (which columns a column input offers) and `range_of` (the column input whose
    values a number should lie among) make sense on those kinds of input only."""
    errors = []
    if item.levels is not None:
        if item.type not in COLUMN_TYPES:
            errors.append(
                FieldError(f"{field}.levels", "only column and columns inputs have levels")
            )
        elif not item.levels:
            errors.append(FieldError(f"{field}.levels", "name at least one level, or leave it out"))
        elif len(set(item.levels)) != len(item.levels):
            errors.append(FieldError(f"{field}.levels", "names a level twice"))
    if item.range_of is not None:
        source = template.input(item.range_of)
        if item.type not in {"number", "integer"}:
            errors.append(
                FieldError(f"{field}.range_of", "only number and integer inputs have a range_of")
            )
        elif source is None or source.type not in COLUMN_TYPES:
            errors.append(
                FieldError(
                    f"{field}.range_of", f"`{item.range_of}` is not a column or columns input"
                )
            )
    return errors


def output_problems(template: TemplateSpec) -> list[FieldError]:
    errors = []
    kinds = {item.name: item.type for item in template.inputs}
    for index, output in enumerate(template.outputs):
        kind = kinds.get(output.name)
        if kind is None and (problem := identifier_problem(output.name)):
            errors.append(FieldError(f"outputs[{index}].name", problem))
        elif kind is not None and kind not in {"identifier", "dataframe"}:
            errors.append(
                FieldError(
                    f"outputs[{index}].name", f"`{output.name}` is a {kind} input, not a name"
                )
            )
    return errors


def code_problems(template: TemplateSpec) -> list[FieldError]:
    placeholders, problems = check_syntax(template.code)
    errors = [FieldError("code", str(problem)) for problem in problems]
    names = {item.name for item in template.inputs}
    for placeholder in placeholders:
        if placeholder.name not in names:
            errors.append(
                FieldError("code", f"line {placeholder.line}: `{placeholder.name}` is not an input")
            )
    used = {placeholder.name for placeholder in placeholders}
    for index, item in enumerate(template.inputs):
        if item.name not in used:
            errors.append(
                FieldError(f"inputs[{index}].name", f"`{item.name}` is never used in the code")
            )
    return errors


def parse_problems(template: TemplateSpec) -> list[FieldError]:
    values = {item.name: sample_value(item) for item in template.inputs}
    try:
        ast.parse(render(template, values))
    except Invalid as exc:
        return [FieldError("code", f"does not make valid Python with sample values: {exc.detail}")]
    return []


def check_template(template: TemplateSpec) -> None:
    errors = input_problems(template) + output_problems(template) + code_problems(template)
    if not errors:
        errors = parse_problems(template)
    if errors:
        fields = ", ".join(dict.fromkeys(error.field for error in errors))
        raise Invalid(f"The template has problems in: {fields}.", errors=errors)


def load_template(data: Any) -> TemplateSpec:
    """A checked template from plain data (YAML or JSON); Invalid names every problem."""
    try:
        template = TemplateSpec.model_validate(data)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(part) for part in error["loc"]) or "template", error["msg"])
            for error in exc.errors()
        ]
        raise Invalid("The template is not in the template format.", errors=errors) from None
    check_template(template)
    return template
