"""Check the values a user gave a template's inputs, by the rules the inputs declare.

The same rules drive the browser form (HTML constraint validation). Errors name the input as
`inputs.<name>`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from datadive.cell_templates.names import identifier_problem
from datadive.cell_templates.spec import TemplateInput, TemplateSpec
from datadive.errors import FieldError, Invalid

DEFAULT_TEXT_LIMIT = 10_000


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list) and len(value) == 0)


def number_problem(spec: TemplateInput, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "must be a number"
    if spec.type == "integer" and not (isinstance(value, int) or value.is_integer()):
        return "must be a whole number"
    if (spec.min is not None or spec.max is not None) and math.isnan(value):
        return "must be a number within the allowed range"
    if spec.min is not None and value < spec.min:
        return f"must be at least {spec.min:g}"
    if spec.max is not None and value > spec.max:
        return f"must be at most {spec.max:g}"
    return None


def text_problem(spec: TemplateInput, value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    limit = spec.max_length or DEFAULT_TEXT_LIMIT
    if len(value) > limit:
        return f"must be at most {limit} characters"
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return f"must match the pattern {spec.pattern}"
    return None


def file_problem(spec: TemplateInput, value: Any) -> str | None:
    """A relative path inside the kernel's working folder. pandas also opens URLs
    (`https://…`, `s3://…`) and expands `~`: neither is a project file."""
    if not isinstance(value, str) or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "must be the path of a file in the project"
    path = PurePosixPath(value)
    first = path.parts[0] if path.parts else ""
    if (
        path.is_absolute()
        or ".." in path.parts
        or "\\" in value
        or first.startswith("~")
        or ":" in first
        or path.name in {"", "."}
    ):
        return "must be a path inside the project, like data/survey.csv"
    if spec.accept and not value.lower().endswith(tuple(a.lower() for a in spec.accept)):
        return f"must be a file ending in {', '.join(spec.accept)}"
    return None


def choice_problem(spec: TemplateInput, value: Any) -> str | None:
    options = spec.options or []
    if spec.type == "select":
        return None if value in options else f"must be one of {', '.join(map(str, options))}"
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        return "must be a list of distinct choices"
    unknown = [item for item in value if item not in options]
    return f"has choices that are not offered: {unknown}" if unknown else None


def columns_problem(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return "must be a list of column names"
    if len(set(value)) != len(value):
        return "names a column twice"
    return None


def value_problem(spec: TemplateInput, value: Any) -> str | None:
    match spec.type:
        case "number" | "integer":
            return number_problem(spec, value)
        case "text":
            return text_problem(spec, value)
        case "boolean":
            return None if isinstance(value, bool) else "must be true or false"
        case "select" | "multiselect":
            return choice_problem(spec, value)
        case "file":
            return file_problem(spec, value)
        case "column":
            return None if isinstance(value, str) and value else "must be a column name"
        case "columns":
            return columns_problem(value)
        case "identifier" | "dataframe":
            return identifier_problem(value)
    return f"has an unknown input type {spec.type}"


def normalize(spec: TemplateInput, value: Any) -> Any:
    if spec.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_values(template: TemplateSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every input's value (defaults filled in), or Invalid naming each bad input."""
    errors: list[FieldError] = []
    unknown = sorted(set(given) - {item.name for item in template.inputs})
    errors.extend(
        FieldError(f"inputs.{name}", "is not an input of this template") for name in unknown
    )
    values: dict[str, Any] = {}
    for spec in template.inputs:
        value = given.get(spec.name, spec.default)
        if is_empty(value):
            if spec.required:
                errors.append(
                    FieldError(f"inputs.{spec.name}", f"{spec.display_label} is required")
                )
            values[spec.name] = [] if spec.type in {"columns", "multiselect"} else None
            continue
        if problem := value_problem(spec, value):
            errors.append(FieldError(f"inputs.{spec.name}", problem))
            continue
        values[spec.name] = normalize(spec, value)
    if errors:
        names = ", ".join(error.field for error in errors)
        raise Invalid(f"Check these inputs: {names}.", errors=errors)
    return values
