"""Which variables a cell defines and uses, so that forms can offer earlier tables and a
change can mark the cells after it stale."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from datadive.cell_templates.spec import TemplateSpec


def template_defines(template: TemplateSpec, inputs: Mapping[str, Any]) -> list[str]:
    """Variables named by the template's outputs: an input's value, or a fixed name."""
    kinds = {item.name: item.type for item in template.inputs}
    names = []
    for output in template.outputs:
        value = inputs.get(output.name) if output.name in kinds else output.name
        if isinstance(value, str) and value:
            names.append(value)
    return names


def template_dataframes(template: TemplateSpec, inputs: Mapping[str, Any]) -> list[str]:
    kinds = {item.name: item.type for item in template.inputs}
    return [
        name
        for output, name in zip(template.outputs, template_defines(template, inputs), strict=False)
        if output.type == "dataframe" or kinds.get(output.name) == "dataframe"
    ]


def template_uses(template: TemplateSpec, inputs: Mapping[str, Any]) -> set[str]:
    return {
        value
        for item in template.inputs
        if item.type == "dataframe" and isinstance(value := inputs.get(item.name), str)
    }


def code_defines(source: str) -> list[str]:
    """Names a code cell assigns at top level (`df = …`, `a, b = …`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for statement in tree.body:
        targets = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
            targets = [statement.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and node.id not in names:
                    names.append(node.id)
    return names


def code_uses(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
