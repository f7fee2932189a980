"""The factorial ANOVA templates render to one call of the library, and their results are
those of the direct call."""

from __future__ import annotations

import pandas as pd
import pytest

from datadive.analysis import Result, ancova, set_column_info, two_way_anova
from tests.support.r_reference import r_value, reference_data
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict] = {
    "two-way-anova": {
        "data": "df",
        "outcome": "wellbeing",
        "factors": ["programme", "housing"],
        "sum_of_squares": 3,
        "interaction": True,
        "target": "anova",
    },
    "ancova": {
        "data": "df",
        "outcome": "wellbeing",
        "group": "programme",
        "covariates": ["age", "sleep"],
        "target": "ancova_result",
    },
}


@pytest.fixture
def students() -> pd.DataFrame:
    frame = reference_data("factorial_students")
    labels = {1: "Psychology", 2: "Sociology", 3: "Economics"}
    set_column_info(frame, "programme", measurement="nominal", value_labels=labels)
    return frame


def test_two_way_anova_template_is_one_call(students: pd.DataFrame) -> None:
    run = run_template("two-way-anova", {"df": students}, **TEMPLATE_CASES["two-way-anova"])

    assert run.code == (
        "from datadive.analysis import two_way_anova\n\n"
        "anova = two_way_anova(df, outcome='wellbeing', factors=['programme', 'housing'], "
        "sum_of_squares=3, interaction=True)\n"
        "anova"
    )
    assert isinstance(run.shown, Result)
    direct = two_way_anova(students, outcome="wellbeing", factors=["programme", "housing"])
    assert run.shown.values == direct.values
    assert run.shown.values["statistic[programme]"] == pytest.approx(
        r_value("factorial", "two_III.F[programme]"), rel=1e-6
    )


def test_two_way_anova_template_type_ii_without_interaction(students: pd.DataFrame) -> None:
    inputs = TEMPLATE_CASES["two-way-anova"] | {"sum_of_squares": 2, "interaction": False}

    run = run_template("two-way-anova", {"df": students}, **inputs)

    assert "sum_of_squares=2, interaction=False)" in run.code
    assert run.shown.values["statistic[housing]"] == pytest.approx(
        r_value("factorial", "additive_II.F[housing]"), rel=1e-6
    )
    assert "statistic[programme:housing]" not in run.shown.values


def test_ancova_template_is_one_call(students: pd.DataFrame) -> None:
    run = run_template("ancova", {"df": students}, **TEMPLATE_CASES["ancova"])

    assert run.code == (
        "from datadive.analysis import ancova\n\n"
        "ancova_result = ancova(df, outcome='wellbeing', group='programme', "
        "covariates=['age', 'sleep'])\n"
        "ancova_result"
    )
    direct = ancova(students, outcome="wellbeing", group="programme", covariates=["age", "sleep"])
    assert run.shown.values == direct.values
    assert run.shown.values["adjusted_mean[Sociology]"] == pytest.approx(
        r_value("factorial", "emmean[Sociology]"), rel=1e-6
    )


def test_ancova_template_passes_the_chosen_groups(students: pd.DataFrame) -> None:
    inputs = TEMPLATE_CASES["ancova"] | {"groups": "Economics, Psychology"}

    run = run_template("ancova", {"df": students}, **inputs)

    assert "covariates=['age', 'sleep'], groups='Economics, Psychology')" in run.code
    assert list(run.shown.tables["Adjusted means"].index) == ["Economics", "Psychology"]
