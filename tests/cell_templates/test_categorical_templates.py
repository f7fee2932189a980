"""The Frequencies templates (chi-square, fisher-exact, mcnemar, cochrans-q, goodness-of-fit):
each renders to one call of `datadive.analysis` and a line that shows the result, and its
numbers are the direct call's."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    chi_square_goodness_of_fit,
    chi_square_independence,
    cochrans_q,
    fisher_exact,
    mcnemar,
    multinomial_test,
    set_column_info,
)
from datadive.cell_templates.library import builtin_template
from tests.support.r_reference import reference_data
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "chi-square": {"row_variable": "programme", "column_variable": "gender"},
    "fisher-exact": {"row_variable": "smoker", "column_variable": "passed"},
    "mcnemar": {"first": "before", "second": "after"},
    "cochrans-q": {"columns": ["week1", "week2", "week3"]},
    "goodness-of-fit": {"column": "snack"},
}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    frame = reference_data("categorical_survey")
    set_column_info(
        frame,
        "programme",
        measurement="nominal",
        value_labels={1: "Psychology", 2: "Sociology", 3: "Economics"},
    )
    return frame


def same_numbers(shown: Any, direct: Result) -> None:
    assert isinstance(shown, Result)
    assert shown.values == direct.values
    for name, table in direct.tables.items():
        pd.testing.assert_frame_equal(shown.tables[name], table)


def test_chi_square_renders_one_call_and_gives_its_numbers(survey: pd.DataFrame) -> None:
    run = run_template("chi-square", {"df": survey}, **TEMPLATE_CASES["chi-square"])

    assert run.code == (
        "from datadive.analysis import chi_square_independence\n\n"
        "chi_square = chi_square_independence(df, rows='programme', columns='gender')\n"
        "chi_square"
    )
    same_numbers(run.shown, chi_square_independence(survey, "programme", "gender"))
    assert "Cramér's V" in str(run.shown)


def test_chi_square_with_yates_passes_it_on(survey: pd.DataFrame) -> None:
    run = run_template(
        "chi-square",
        {"survey": survey},
        data="survey",
        row_variable="smoker",
        column_variable="passed",
        yates=True,
        target="smoking",
    )

    assert "smoking = chi_square_independence(survey, rows='smoker', columns='passed', " in (
        run.code
    )
    assert "yates=True)" in run.code
    same_numbers(run.shown, chi_square_independence(survey, "smoker", "passed", yates=True))
    assert run.shown.values["yates"] is True


def test_chi_square_template_is_version_3_under_frequencies() -> None:
    template = builtin_template("chi-square")
    assert template is not None
    assert (template.version, template.category) == (3, "Frequencies")
    assert [i.name for i in template.inputs] == [
        "data",
        "row_variable",
        "column_variable",
        "yates",
        "target",
    ]
    assert [o.type for o in template.outputs] == ["result"]


def test_fisher_exact_template(survey: pd.DataFrame) -> None:
    run = run_template("fisher-exact", {"df": survey}, **TEMPLATE_CASES["fisher-exact"])

    assert run.code.splitlines()[2] == (
        "fisher = fisher_exact(df, rows='smoker', columns='passed')"
    )
    same_numbers(run.shown, fisher_exact(survey, "smoker", "passed"))


def test_mcnemar_template() -> None:
    paired = reference_data("categorical_paired")
    run = run_template("mcnemar", {"df": paired}, **TEMPLATE_CASES["mcnemar"])

    assert run.code.splitlines()[2] == (
        "mcnemar_result = mcnemar(df, first='before', second='after')"
    )
    same_numbers(run.shown, mcnemar(paired, "before", "after"))


def test_cochrans_q_template() -> None:
    paired = reference_data("categorical_paired")
    run = run_template("cochrans-q", {"df": paired}, **TEMPLATE_CASES["cochrans-q"])

    assert run.code.splitlines()[2] == (
        "cochran = cochrans_q(df, columns=['week1', 'week2', 'week3'])"
    )
    same_numbers(run.shown, cochrans_q(paired, ["week1", "week2", "week3"]))


def test_goodness_of_fit_template_runs_the_chi_square_or_the_exact_test() -> None:
    snacks = reference_data("categorical_snacks")
    chi = run_template("goodness-of-fit", {"df": snacks}, **TEMPLATE_CASES["goodness-of-fit"])
    exact = run_template(
        "goodness-of-fit", {"df": snacks}, column="snack", exact=True, expected="0.4, 0.3, 0.2, 0.1"
    )

    assert chi.code == (
        "from datadive.analysis import chi_square_goodness_of_fit\n\n"
        "goodness_of_fit = chi_square_goodness_of_fit(df, column='snack')\n"
        "goodness_of_fit"
    )
    same_numbers(chi.shown, chi_square_goodness_of_fit(snacks, "snack"))
    assert exact.code == (
        "from datadive.analysis import multinomial_test\n\n"
        "goodness_of_fit = multinomial_test(df, column='snack', expected='0.4, 0.3, 0.2, 0.1')\n"
        "goodness_of_fit"
    )
    same_numbers(exact.shown, multinomial_test(snacks, "snack", expected=[0.4, 0.3, 0.2, 0.1]))


def test_every_frequencies_template_is_new_at_version_1_but_chi_square() -> None:
    for slug in TEMPLATE_CASES:
        template = builtin_template(slug)
        assert template is not None
        assert template.category == "Frequencies"
        assert template.version == (3 if slug == "chi-square" else 1)
