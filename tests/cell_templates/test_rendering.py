"""Rendering: values become Python literals; the code always parses (SECURITY.md check 16)."""

from __future__ import annotations

import ast
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datadive.cell_templates.library import builtin_template, builtin_templates
from datadive.cell_templates.rendering import python_literal, render
from datadive.cell_templates.spec import TemplateSpec
from datadive.cell_templates.validation import sample_value
from datadive.cell_templates.values import check_values
from datadive.errors import Invalid

TRICKY_STRINGS = [
    "",
    "'",
    '"',
    '"""',
    "'''",
    "\\",
    "a\\",
    "line\nbreak",
    "carriage\rreturn",
    "\u2028",
    "\u2029",
    "\x00",
    "{{ x }}",
    "{% if %}",
    "\ud800",
    "Größe (cm)",
    "年齢",
    "x'); import os; os.system('rm -rf /'); ('",
]

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4),
    max_leaves=12,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def evaluate(source: str) -> Any:
    """Evaluate a literal without eval(): literal_eval plus float('nan'/'inf') calls."""
    tree = ast.parse(source, mode="eval").body

    def value(node: ast.expr) -> Any:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "float"
        ):
            argument = node.args[0]
            assert isinstance(argument, ast.Constant)
            return float(argument.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.List):
            return [value(item) for item in node.elts]
        return ast.literal_eval(node)

    return value(tree)


@given(json_like)
def test_every_value_round_trips_as_a_literal(value: Any) -> None:
    assert same(evaluate(python_literal(value)), value)


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_tricky_strings_round_trip(text: str) -> None:
    assert evaluate(python_literal(text)) == text


def constants_in(source: str) -> list[Any]:
    return [node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant)]


def string_inputs() -> list[tuple[str, str]]:
    return [
        (template.slug, item.name)
        for template in builtin_templates()
        for item in template.inputs
        if item.type in {"text", "select", "column"}
    ]


def sample_values(template: TemplateSpec) -> dict[str, Any]:
    return {item.name: sample_value(item) for item in template.inputs}


@pytest.mark.parametrize(("slug", "name"), string_inputs())
@settings(max_examples=60, deadline=None)
@given(text=st.text() | st.sampled_from(TRICKY_STRINGS))
def test_any_string_in_any_string_input_renders_to_code_that_parses(
    slug: str, name: str, text: str
) -> None:
    template = builtin_template(slug)
    assert template is not None
    values = sample_values(template) | {name: text}
    if not text:
        values[name] = None

    source = render(template, values)

    ast.parse(source)
    if text:
        assert text in constants_in(source)


def edge_values(template: TemplateSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in template.inputs:
        if item.type == "column":
            values[item.name] = 'Größe "in cm" / it\'s'
        elif item.type == "columns":
            values[item.name] = ["Frage 1 (a)", "年齢", 'it\'s "quoted"']
        elif item.required or item.default is not None:
            values[item.name] = sample_value(item)
    return values


@pytest.mark.parametrize("template", builtin_templates(), ids=lambda t: t.slug)
def test_every_builtin_renders_with_defaults_and_with_edge_values(template: TemplateSpec) -> None:
    assert template.description
    for values in (sample_values(template), edge_values(template)):
        checked = check_values(template, values)
        ast.parse(render(template, checked))


@pytest.mark.parametrize("template", builtin_templates(), ids=lambda t: t.slug)
def test_every_builtin_renders_with_empty_optional_inputs(template: TemplateSpec) -> None:
    required = {item.name: sample_value(item) for item in template.inputs if item.required}
    blanks = {item.name: None for item in template.inputs if not item.required}

    ast.parse(render(template, check_values(template, required | blanks)))


def field_errors(template: TemplateSpec, values: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        check_values(template, values)
    return {error.field: error.message for error in caught.value.errors}


def test_bad_values_name_the_input() -> None:
    histogram = builtin_template("histogram")
    correlation = builtin_template("correlation")
    ttest = builtin_template("t-test-independent")
    assert histogram is not None
    assert correlation is not None
    assert ttest is not None

    assert "required" in field_errors(histogram, {"data": "df"})["inputs.column"]
    assert "at most 500" in field_errors(histogram, {"column": "a", "bins": 501})["inputs.bins"]
    assert "whole number" in field_errors(histogram, {"column": "a", "bins": 2.5})["inputs.bins"]
    method = field_errors(correlation, {"x": "a", "y": "b", "method": "cosine"})
    assert "one of pearson, spearman, kendall" in method["inputs.method"]
    for name in ("class", "print", "pd", "2fast", "a b", "__x"):
        errors = field_errors(ttest, {"outcome": "a", "group": "g", "target": name})
        assert "inputs.target" in errors
    assert (
        "not an input" in field_errors(histogram, {"column": "a", "colour": "red"})["inputs.colour"]
    )
    traversal = field_errors(builtin_template("load-csv"), {"file": "../secret.csv"})  # type: ignore[arg-type]
    assert "inside the project" in traversal["inputs.file"]
