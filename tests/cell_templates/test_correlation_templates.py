"""The correlation templates render to one call of the library and show its result; their
numbers are those of the direct call (which tests/analysis/test_correlation.py checks against
R)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    correlation_matrix,
    kendall_tau,
    partial_correlation,
    pearson,
    spearman,
)
from datadive.cell_templates.library import builtin_template
from tests.support.r_reference import r_value, reference_data
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "correlation": {"x": "sleep", "y": "wellbeing", "method": "spearman"},
    "partial-correlation": {"x": "sleep", "y": "wellbeing", "controls": ["stress", "age"]},
    "correlation-matrix": {"columns": ["sleep", "wellbeing", "stress"], "method": "pearson"},
}


@pytest.fixture
def survey() -> pd.DataFrame:
    return reference_data("correlation_survey")


def same_numbers(shown: Result, direct: Result) -> None:
    assert shown.values.keys() == direct.values.keys()
    for key, value in direct.values.items():
        if isinstance(value, float):
            assert shown.values[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
        else:
            assert shown.values[key] == value, key


@pytest.mark.parametrize(
    ("method", "analysis"), [("pearson", pearson), ("spearman", spearman), ("kendall", kendall_tau)]
)
def test_correlation_template_runs_the_chosen_method(
    survey: pd.DataFrame, method: str, analysis: Any
) -> None:
    run = run_template("correlation", {"df": survey}, x="sleep", y="wellbeing", method=method)
    assert run.code == (
        "from datadive.analysis import correlation\n\n"
        f"correlation_result = correlation(df, x='sleep', y='wellbeing', method={method!r}, "
        "alternative='two-sided')\n"
        "correlation_result"
    )
    assert isinstance(run.shown, Result)
    assert run.shown is run.namespace["correlation_result"]
    same_numbers(run.shown, analysis(survey, "sleep", "wellbeing"))


def test_correlation_template_tests_one_direction_when_asked(survey: pd.DataFrame) -> None:
    run = run_template(
        "correlation",
        {"df": survey},
        x="sleep",
        y="wellbeing",
        alternative="greater",
        target="sleep_wellbeing",
    )
    assert run.code.splitlines()[-1] == "sleep_wellbeing"
    # R 4.2.2, stats::cor.test(alternative = "greater")$p.value
    assert run.shown.values["p"] == pytest.approx(
        r_value("correlation", "pearson_greater_p"), rel=1e-6
    )
    same_numbers(run.shown, pearson(survey, "sleep", "wellbeing", alternative="greater"))


def test_partial_correlation_template(survey: pd.DataFrame) -> None:
    run = run_template(
        "partial-correlation", {"df": survey}, **TEMPLATE_CASES["partial-correlation"]
    )
    assert run.code == (
        "from datadive.analysis import partial_correlation\n\n"
        "partial = partial_correlation(df, x='sleep', y='wellbeing', controls=['stress', 'age'])\n"
        "partial"
    )
    same_numbers(
        run.shown, partial_correlation(survey, "sleep", "wellbeing", controls=["stress", "age"])
    )
    # R 4.2.2, psych::partial.r
    assert run.shown.values["effect_size"] == pytest.approx(
        r_value("correlation", "partial_r"), rel=1e-6
    )


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_correlation_matrix_template(survey: pd.DataFrame, method: str) -> None:
    columns = ["sleep", "wellbeing", "stress"]
    run = run_template("correlation-matrix", {"df": survey}, columns=columns, method=method)
    assert run.code == (
        "from datadive.analysis import correlation_matrix\n\n"
        "correlations = correlation_matrix(df, columns=['sleep', 'wellbeing', 'stress'], "
        f"method={method!r})\n"
        "correlations"
    )
    same_numbers(run.shown, correlation_matrix(survey, columns, method=method))
    assert len(run.shown.figures) == 1


def test_the_templates_are_in_the_correlation_category() -> None:
    for slug in TEMPLATE_CASES:
        template = builtin_template(slug)
        assert template is not None
        assert template.category == "Correlation"
        assert [output.type for output in template.outputs] == ["result"]
    correlation = builtin_template("correlation")
    assert correlation is not None
    assert correlation.version == 3
    assert [i.name for i in correlation.inputs][:4] == ["data", "x", "y", "method"]
