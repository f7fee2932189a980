"""The repeated-measures templates render to one call of the library and show its result; the
numbers are those of the direct call (checked against R in tests/analysis/test_repeated.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    friedman,
    mixed_anova,
    repeated_measures_anova,
    set_column_info,
)
from tests.support.r_reference import reference_data
from tests.support.templates import run_template

TIMES = ["wellbeing_t1", "wellbeing_t2", "wellbeing_t3", "wellbeing_t4"]
VERSIONS = ["rating_plain", "rating_photo", "rating_video"]

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "repeated-measures-anova": {"measures": TIMES, "within": "time"},
    "mixed-anova": {"measures": TIMES, "between": "programme", "groups": "Sociology, Psychology"},
    "friedman": {"measures": VERSIONS},
}


def wellbeing() -> pd.DataFrame:
    frame = reference_data("repeated_wellbeing")
    set_column_info(
        frame,
        "programme",
        measurement="nominal",
        value_labels={1: "Psychology", 2: "Sociology", 3: "Economics"},
    )
    return frame


def test_repeated_measures_anova_template() -> None:
    frame = wellbeing()
    run = run_template(
        "repeated-measures-anova", {"df": frame}, **TEMPLATE_CASES["repeated-measures-anova"]
    )

    assert run.code == (
        "from datadive.analysis import repeated_measures_anova\n\n"
        "rm_anova = repeated_measures_anova(df, ['wellbeing_t1', 'wellbeing_t2', "
        "'wellbeing_t3', 'wellbeing_t4'], within='time')\n"
        "rm_anova"
    )
    assert isinstance(run.shown, Result)
    assert run.shown.values == repeated_measures_anova(frame, TIMES, within="time").values


def test_repeated_measures_anova_template_without_a_factor_name() -> None:
    frame = wellbeing()
    run = run_template("repeated-measures-anova", {"df": frame}, measures=TIMES[:3], target="wb")

    assert "within=" not in run.code
    assert run.namespace["wb"].values == repeated_measures_anova(frame, TIMES[:3]).values
    assert "across the conditions" in run.shown.report


def test_mixed_anova_template() -> None:
    frame = wellbeing()
    run = run_template("mixed-anova", {"df": frame}, **TEMPLATE_CASES["mixed-anova"])

    assert run.code == (
        "from datadive.analysis import mixed_anova\n\n"
        "mixed_anova_result = mixed_anova(df, ['wellbeing_t1', 'wellbeing_t2', "
        "'wellbeing_t3', 'wellbeing_t4'], between='programme', "
        "groups='Sociology, Psychology')\n"
        "mixed_anova_result"
    )
    direct = mixed_anova(frame, TIMES, between="programme", groups=["Sociology", "Psychology"])
    assert run.shown.values == direct.values
    assert run.shown.tables["Descriptives"].index[0] == ("Sociology", "wellbeing_t1")


def test_friedman_template() -> None:
    frame = reference_data("repeated_ratings")
    run = run_template("friedman", {"df": frame}, **TEMPLATE_CASES["friedman"], within="version")

    assert run.code == (
        "from datadive.analysis import friedman\n\n"
        "friedman_result = friedman(df, ['rating_plain', 'rating_photo', 'rating_video'], "
        "within='version')\n"
        "friedman_result"
    )
    assert run.shown.values == friedman(frame, VERSIONS, within="version").values


@pytest.mark.parametrize("slug", sorted(TEMPLATE_CASES))
def test_templates_are_filed_under_anova(slug: str) -> None:
    from datadive.cell_templates.library import builtin_template  # noqa: PLC0415

    template = builtin_template(slug)
    assert template is not None
    assert template.category == "ANOVA"
    assert template.version == 1
