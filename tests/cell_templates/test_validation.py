"""Templates are checked when loaded or saved; problems name the field and the line."""

from __future__ import annotations

from typing import Any

import pytest

from datadive.cell_templates.validation import load_template
from datadive.errors import Invalid


def template(code: str, inputs: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "slug": "my-template",
        "title": "Mine",
        "category": "Test",
        "inputs": inputs if inputs is not None else [{"name": "x", "type": "text"}],
        "code": code,
        **extra,
    }


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        load_template(data)
    return [(error.field, error.message) for error in caught.value.errors]


@pytest.mark.parametrize(
    ("code", "line", "words"),
    [
        ("a = 1\nb = {{ x.__class__ }}", 2, "attribute access"),
        ("{% for i in x %}{{ i }}{% endfor %}", 1, "loops"),
        ("print({{ x|upper }})", 1, "filters"),
        ("print({{ x() }})", 1, "calls"),
        ("print({{ x['a'] }})", 1, "indexing"),
        ("{% set y = 1 %}print({{ x }})", 1, "{% set %}"),
        ("\n\n{% if x %}a = 1{% elif x %}a = 2{% endif %}", 3, "elif"),
        ("{% if x == 1 %}a = {{ x }}{% endif %}", 1, "conditions other than"),
        ('print({{ "literal" }}, {{ x }})', 1, "constants"),
        ("print({{ x }}", 1, "does not make valid Python"),
        ("print({{ x }})\n{% if %}", 2, ""),
    ],
)
def test_syntax_beyond_names_and_if_is_refused_with_its_line(
    code: str, line: int, words: str
) -> None:
    found = problems(template(code))

    (field, message), *_ = found
    assert field == "code"
    assert words in message
    if "valid Python" not in message:
        assert message.startswith(f"line {line}:")


def test_a_placeholder_naming_no_input_points_at_its_line() -> None:
    found = problems(template("a = {{ x }}\nb = {{ y }}"))

    assert ("code", "line 2: `y` is not an input") in found


def test_unused_and_duplicate_inputs_are_named() -> None:
    inputs = [
        {"name": "x", "type": "text"},
        {"name": "x", "type": "text"},
        {"name": "unused", "type": "integer"},
    ]

    found = dict(problems(template("a = {{ x }}", inputs)))

    assert "used by two inputs" in found["inputs[1].name"]
    assert "never used" in found["inputs[2].name"]


def test_unknown_input_types_and_bad_definitions_are_refused() -> None:
    found = dict(problems(template("a = {{ x }}", [{"name": "x", "type": "colour"}])))
    assert "inputs.0.type" in found

    found = dict(
        problems(
            template(
                "a = {{ x }}\nb = {{ y }}",
                [
                    {"name": "x", "type": "select"},
                    {"name": "y", "type": "column", "of": "x"},
                ],
            )
        )
    )
    assert "needs options" in found["inputs[0].options"]
    assert "not a dataframe input" in found["inputs[1].of"]


def test_a_bad_default_is_refused() -> None:
    inputs = [{"name": "n", "type": "integer", "min": 1, "max": 5, "default": 9}]

    found = dict(problems(template("a = {{ n }}", inputs)))

    assert "at most 5" in found["inputs[0].default"]


def test_outputs_must_be_names() -> None:
    found = dict(problems(template("a = {{ x }}", outputs=[{"name": "x"}, {"name": "print"}])))

    assert "not a name" in found["outputs[0].name"]
    assert "built-in" in found["outputs[1].name"]


def test_a_good_template_loads() -> None:
    loaded = load_template(
        template(
            "{{ target }} = {{ data }}[{{ column }}]{% if x %}  # {{ x }}{% endif %}",
            [
                {"name": "data", "type": "dataframe", "default": "df"},
                {"name": "column", "type": "column", "of": "data"},
                {"name": "x", "type": "text"},
                {"name": "target", "type": "identifier", "default": "out"},
            ],
            outputs=[{"name": "target"}],
        )
    )

    assert loaded.slug == "my-template"


COLUMN_INPUTS: list[dict[str, Any]] = [
    {"name": "data", "type": "dataframe", "default": "df"},
    {"name": "item", "type": "column", "of": "data", "levels": ["ordinal", "scale"]},
    {"name": "items", "type": "columns", "of": "data", "levels": ["binary"]},
    {"name": "top", "type": "integer", "default": 5, "range_of": "item"},
    {"name": "cut", "type": "number", "range_of": "items"},
]
COLUMN_CODE = "{{ data }}[{{ item }}].clip(upper={{ top }})\n{{ data }}[{{ items }}] > {{ cut }}"


def test_levels_and_range_of_load_on_the_inputs_they_belong_to() -> None:
    loaded = load_template(template(COLUMN_CODE, COLUMN_INPUTS))

    item, items, top = loaded.inputs[1], loaded.inputs[2], loaded.inputs[3]
    assert item.levels == ["ordinal", "scale"]
    assert items.levels == ["binary"]
    assert top.range_of == "item"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"name": "top", "levels": ["scale"]}, "inputs[3].levels", "only column and columns"),
        ({"name": "item", "levels": []}, "inputs[1].levels", "at least one level"),
        ({"name": "item", "levels": ["scale", "scale"]}, "inputs[1].levels", "a level twice"),
        ({"name": "item", "levels": ["interval"]}, "inputs.1.levels.0", "nominal"),
        ({"name": "item", "range_of": "items"}, "inputs[1].range_of", "only number and integer"),
        ({"name": "top", "range_of": "data"}, "inputs[3].range_of", "not a column or columns"),
        ({"name": "top", "range_of": "nothing"}, "inputs[3].range_of", "not a column or columns"),
    ],
)
def test_levels_and_range_of_are_refused_where_they_make_no_sense(
    change: dict[str, Any], field: str, words: str
) -> None:
    inputs = [
        {**item, **change} if item["name"] == change["name"] else item for item in COLUMN_INPUTS
    ]
    found = problems(template(COLUMN_CODE, inputs))

    assert [f for f, _ in found] == [field], found
    assert words in found[0][1]
