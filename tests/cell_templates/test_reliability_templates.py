"""The reliability, assumption-check and group-descriptives templates: each renders to one call
of the library and shows the same numbers as that call made directly. `scale-score` (version
3) computes the score and then shows the items' reliability, or the score's summary."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    group_descriptives,
    levene_test,
    outliers,
    qq_plot,
    reliability,
    set_column_info,
    shapiro_wilk,
)
from datadive.cell_templates.library import builtin_template
from tests.support.r_reference import reference_data
from tests.support.templates import run_template

ITEMS = ["item1", "item2", "item3", "item4", "item5"]
TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "reliability": {"items": ITEMS},
    "normality-check": {"column": "reaction", "by": "programme"},
    "equal-variances-check": {"outcome": "wellbeing", "group": "programme", "center": "mean"},
    "qq-plot": {"column": "wellbeing"},
    "outliers": {"column": "reaction", "by": "programme", "method": "iqr"},
    "group-descriptives": {
        "outcome": "wellbeing",
        "by": "programme",
        "groups": "Sociology, Psychology",
    },
    "scale-score": {"items": ITEMS, "new_column": "wellbeing_score"},
}


@pytest.fixture
def survey() -> pd.DataFrame:
    frame = reference_data("reliability_survey")
    set_column_info(
        frame,
        "programme",
        measurement="nominal",
        value_labels={1: "Psychology", 2: "Sociology", 3: "Education"},
    )
    return frame


def direct(slug: str, frame: pd.DataFrame) -> Result:
    calls = {
        "reliability": lambda: reliability(frame, ITEMS),
        "normality-check": lambda: shapiro_wilk(frame, "reaction", by="programme"),
        "equal-variances-check": lambda: levene_test(
            frame, outcome="wellbeing", group="programme", center="mean"
        ),
        "qq-plot": lambda: qq_plot(frame, "wellbeing"),
        "outliers": lambda: outliers(frame, "reaction", by="programme", method="iqr"),
        "group-descriptives": lambda: group_descriptives(
            frame, outcome="wellbeing", by="programme", groups="Sociology, Psychology"
        ),
    }
    return calls[slug]()


def assert_same_values(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert list(got) == list(expected)
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-12, nan_ok=True), key
        else:
            assert got[key] == value, key


ONE_CALL = {
    "reliability": "scale_reliability = reliability(df, ['item1', 'item2', 'item3', 'item4', "
    "'item5'])",
    "normality-check": "normality = shapiro_wilk(df, 'reaction', by='programme')",
    "equal-variances-check": "variances = levene_test(df, outcome='wellbeing', "
    "group='programme', center='mean', groups=None)",
    "qq-plot": "qq = qq_plot(df, 'wellbeing', by=None)",
    "outliers": "unusual_values = outliers(df, 'reaction', by='programme', method='iqr')",
    "group-descriptives": "by_group = group_descriptives(df, outcome='wellbeing', "
    "by='programme', groups='Sociology, Psychology')",
}
FUNCTIONS = {
    "reliability": "reliability",
    "normality-check": "shapiro_wilk",
    "equal-variances-check": "levene_test",
    "qq-plot": "qq_plot",
    "outliers": "outliers",
    "group-descriptives": "group_descriptives",
}


@pytest.mark.parametrize("slug", sorted(ONE_CALL))
def test_the_template_is_one_call_and_shows_the_direct_results_numbers(
    survey: pd.DataFrame, slug: str
) -> None:
    run = run_template(slug, {"df": survey}, **TEMPLATE_CASES[slug])
    target = ONE_CALL[slug].split(" = ")[0]
    assert run.code == (
        f"from datadive.analysis import {FUNCTIONS[slug]}\n\n{ONE_CALL[slug]}\n{target}"
    )
    expected = direct(slug, survey)
    assert isinstance(run.shown, Result)
    assert_same_values(run.shown.values, expected.values)
    for name, table in expected.tables.items():
        pd.testing.assert_frame_equal(run.shown.tables[name], table)
    assert run.shown.report == expected.report


def test_categories_say_where_the_picker_shows_them() -> None:
    categories = {slug: builtin_template(slug).category for slug in TEMPLATE_CASES}  # type: ignore[union-attr]
    assert categories == {
        "reliability": "Reliability",
        "normality-check": "Assumption checks",
        "equal-variances-check": "Assumption checks",
        "qq-plot": "Assumption checks",
        "outliers": "Assumption checks",
        "group-descriptives": "Describe",
        "scale-score": "Prepare",
    }


def test_scale_score_adds_the_score_and_reports_alpha_by_default(survey: pd.DataFrame) -> None:
    template = builtin_template("scale-score")
    assert template is not None
    assert template.version == 3
    run = run_template("scale-score", {"df": survey}, **TEMPLATE_CASES["scale-score"])
    assert run.code == (
        "from datadive.analysis import reliability\n\n"
        "df['wellbeing_score'] = df[['item1', 'item2', 'item3', 'item4', 'item5']]"
        ".agg('mean', axis=1)\n"
        "reliability(df, ['item1', 'item2', 'item3', 'item4', 'item5'])"
    )
    scored = run.namespace["df"]
    assert scored["wellbeing_score"].tolist() == pytest.approx(
        survey[ITEMS].mean(axis=1).tolist(), nan_ok=True
    )
    assert isinstance(run.shown, Result)
    assert_same_values(run.shown.values, reliability(survey, ITEMS).values)


def test_scale_score_without_alpha_shows_the_score_as_before(survey: pd.DataFrame) -> None:
    run = run_template("scale-score", {"df": survey}, items=ITEMS, method="sum", report_alpha=False)
    assert "reliability" not in run.code
    assert isinstance(run.shown, pd.Series)
    assert run.shown["count"] == len(survey)
    assert run.shown["mean"] == pytest.approx(survey[ITEMS].sum(axis=1).mean())
