"""Turn a template and checked values into Python source. Nothing is executed: the template's
parse tree is walked here, values become Python literals, and the result must parse."""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Mapping
from typing import Any

from jinja2 import nodes

from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.syntax import parse
from datadive.errors import Invalid

RAW_TYPES = frozenset({"identifier", "dataframe"})  # checked names, inserted as names


def python_literal(value: Any) -> str:
    """Source text that evaluates to `value` (strings escaped, NaN and infinities spelled out)."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else '-float("inf")'
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{python_literal(k)}: {python_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no Python literal for {type(value).__name__}")


@functools.lru_cache(maxsize=512)
def parsed(code: str) -> nodes.Template:
    return parse(code)


def render(template: TemplateSpec, values: Mapping[str, Any]) -> str:
    """The cell's code for these (already checked) values; Invalid if it would not parse."""
    raw = {item.name for item in template.inputs if item.type in RAW_TYPES}
    pieces: list[str] = []

    def walk(items: list[nodes.Node]) -> None:
        for item in items:
            if isinstance(item, nodes.Output):
                for part in item.nodes:
                    if isinstance(part, nodes.TemplateData):
                        pieces.append(part.data)
                    elif isinstance(part, nodes.Name):
                        value = values.get(part.name)
                        pieces.append(str(value) if part.name in raw else python_literal(value))
            elif isinstance(item, nodes.If) and isinstance(item.test, nodes.Name):
                walk(item.body if values.get(item.test.name) else item.else_)

    walk(parsed(template.code).body)
    source = "".join(pieces)
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise Invalid.field(
            "inputs", f"the code made from these inputs does not parse (line {exc.lineno})"
        ) from None
    return source
