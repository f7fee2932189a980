"""The regression templates render to one call of the library and show its result; their
numbers are those of the direct call (which tests/analysis/test_regression.py checks against R)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    linear_regression,
    logistic_regression,
    ordinal_regression,
    set_column_info,
)
from datadive.cell_templates.library import builtin_template
from tests.analysis.test_regression import PROGRAMMES, SATISFACTION
from tests.support.r_reference import reference_data
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "linear-regression": {
        "data": "df",
        "outcome": "wellbeing",
        "predictors": ["belonging", "hours", "programme"],
        "reference": "programme=Sociology",
        "target": "regression",
    },
    "logistic-regression": {
        "data": "df",
        "outcome": "passed",
        "predictors": ["belonging", "hours", "programme"],
        "event": "No",
        "target": "logistic",
    },
    "ordinal-regression": {
        "data": "df",
        "outcome": "satisfaction",
        "predictors": ["belonging", "hours", "programme"],
        "reference": "programme=Education",
        "target": "ordinal",
    },
}

CALLS = {
    "linear-regression": (
        "from datadive.analysis import linear_regression\n\n"
        "regression = linear_regression(df, outcome='wellbeing', predictors=['belonging', "
        "'hours', 'programme'], reference='programme=Sociology')\nregression"
    ),
    "logistic-regression": (
        "from datadive.analysis import logistic_regression\n\n"
        "logistic = logistic_regression(df, outcome='passed', predictors=['belonging', 'hours', "
        "'programme'], event='No')\nlogistic"
    ),
    "ordinal-regression": (
        "from datadive.analysis import ordinal_regression\n\n"
        "ordinal = ordinal_regression(df, outcome='satisfaction', predictors=['belonging', "
        "'hours', 'programme'], reference='programme=Education')\nordinal"
    ),
}


def frame() -> pd.DataFrame:
    df = reference_data("regression_students")
    set_column_info(df, "programme", measurement="nominal", value_labels=PROGRAMMES)
    set_column_info(df, "passed", measurement="nominal", value_labels={0: "No", 1: "Yes"})
    set_column_info(df, "satisfaction", measurement="ordinal", value_labels=SATISFACTION)
    return df


def direct(slug: str, df: pd.DataFrame) -> Result:
    inputs = TEMPLATE_CASES[slug]
    common = {"outcome": inputs["outcome"], "predictors": inputs["predictors"]}
    if slug == "linear-regression":
        return linear_regression(df, reference=inputs["reference"], **common)
    if slug == "logistic-regression":
        return logistic_regression(df, event=inputs["event"], **common)
    return ordinal_regression(df, reference=inputs["reference"], **common)


@pytest.mark.parametrize("slug", list(TEMPLATE_CASES))
def test_template_is_one_call_and_shows_the_same_numbers(slug: str) -> None:
    df = frame()

    run = run_template(slug, {"df": df}, **TEMPLATE_CASES[slug])
    expected = direct(slug, df)

    assert run.code == CALLS[slug]
    shown = run.shown
    assert isinstance(shown, Result)
    assert shown is run.namespace[TEMPLATE_CASES[slug]["target"]]
    assert shown.title == expected.title
    for name, table in expected.tables.items():
        pd.testing.assert_frame_equal(shown.tables[name], table)
    assert shown.values == expected.values
    assert shown.report == expected.report


def test_the_templates_choices_reach_the_result() -> None:
    df = frame()

    linear = run_template("linear-regression", {"df": df}, **TEMPLATE_CASES["linear-regression"])
    logistic = run_template(
        "logistic-regression", {"df": df}, **TEMPLATE_CASES["logistic-regression"]
    )

    assert "programme: Psychology" in linear.shown.tables["Coefficients"].index
    assert logistic.shown.values["event"] == "No"


@pytest.mark.parametrize("slug", list(TEMPLATE_CASES))
def test_empty_optional_inputs_leave_the_defaults(slug: str) -> None:
    inputs = {k: v for k, v in TEMPLATE_CASES[slug].items() if k not in {"reference", "event"}}

    run = run_template(slug, {"df": frame()}, **inputs)

    assert "reference=" not in run.code
    assert "event=" not in run.code
    assert any("Psychology as the reference category" in note for note in run.shown.notes)


@pytest.mark.parametrize("slug", list(TEMPLATE_CASES))
def test_templates_are_in_the_regression_category(slug: str) -> None:
    template = builtin_template(slug)

    assert template is not None
    assert template.category == "Regression"
    assert template.version == 1
    assert [output.type for output in template.outputs] == ["result"]
