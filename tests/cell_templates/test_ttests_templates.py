"""The t-test family's templates render to one call of the library and show its result, with
the numbers of the direct call (those are checked against R in tests/analysis/test_ttests*)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    binomial_test,
    independent_t,
    mann_whitney,
    one_sample_t,
    paired_t,
    sign_test,
    wilcoxon_signed_rank,
)
from datadive.cell_templates.library import builtin_template
from tests.analysis.ttests_data import binomial_frame, groups_frame, paired_frame
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "one-sample-t-test": {"outcome": "belonging", "mu": 4, "alternative": "greater"},
    "paired-t-test": {"first": "wellbeing_pre", "second": "wellbeing_post"},
    "t-test-independent": {
        "outcome": "belonging",
        "group": "programme",
        "groups": "Psychology, Sociology",
        "equal_variances": True,
    },
    "mann-whitney": {
        "outcome": "satisfaction",
        "group": "programme",
        "groups": "Sociology, Psychology",
    },
    "wilcoxon-signed-rank": {"first": "stress_pre", "second": "stress_post"},
    "sign-test": {"first": "satisfaction", "mu": 3},
    "binomial-test": {"column": "passed", "success": "Passed", "proportion": 0.7},
}

# The call each template makes, with the inputs above, and the table it runs on.
DIRECT = {
    "one-sample-t-test": (
        groups_frame,
        lambda f: one_sample_t(f, "belonging", mu=4, alternative="greater"),
    ),
    "paired-t-test": (paired_frame, lambda f: paired_t(f, "wellbeing_pre", "wellbeing_post")),
    "t-test-independent": (
        groups_frame,
        lambda f: independent_t(
            f, "belonging", "programme", groups=["Psychology", "Sociology"], equal_variances=True
        ),
    ),
    "mann-whitney": (
        groups_frame,
        lambda f: mann_whitney(f, "satisfaction", "programme", groups=["Sociology", "Psychology"]),
    ),
    "wilcoxon-signed-rank": (
        paired_frame,
        lambda f: wilcoxon_signed_rank(f, "stress_pre", "stress_post"),
    ),
    "sign-test": (groups_frame, lambda f: sign_test(f, "satisfaction", mu=3)),
    "binomial-test": (
        binomial_frame,
        lambda f: binomial_test(f, "passed", success="Passed", proportion=0.7),
    ),
}
FUNCTIONS = {
    "one-sample-t-test": "one_sample_t",
    "paired-t-test": "paired_t",
    "t-test-independent": "independent_t",
    "mann-whitney": "mann_whitney",
    "wilcoxon-signed-rank": "wilcoxon_signed_rank",
    "sign-test": "sign_test",
    "binomial-test": "binomial_test",
}


@pytest.mark.parametrize("slug", sorted(TEMPLATE_CASES))
def test_the_template_is_one_call_with_the_direct_calls_numbers(slug: str) -> None:
    frame_of, direct = DIRECT[slug]

    run = run_template(slug, {"df": frame_of()}, **TEMPLATE_CASES[slug])

    function = FUNCTIONS[slug]
    lines = [line for line in run.code.splitlines() if line.strip()]
    assert lines[0] == f"from datadive.analysis import {function}"
    assert lines[1].endswith(f"= {function}(") or f"= {function}(df, " in lines[1]
    assert run.code.count(f"{function}(") == 1
    assert isinstance(run.shown, Result)
    expected = direct(frame_of())
    assert run.shown.values == expected.values
    assert run.shown.report == expected.report


def test_the_categories_group_the_picker() -> None:
    categories = {slug: builtin_template(slug).category for slug in TEMPLATE_CASES}  # type: ignore[union-attr]

    assert categories.pop("binomial-test") == "Frequencies"
    assert set(categories.values()) == {"T-tests"}


def test_an_empty_groups_field_compares_the_two_groups_of_the_column() -> None:
    frame = pd.DataFrame({"score": [1.0, 2.0, 3.0, 4.0, 5.0, 7.0], "group": list("aaabbb")})

    run = run_template("t-test-independent", {"df": frame}, outcome="score", group="group")

    assert "groups=None" in run.code
    assert (run.shown.values["group_1"], run.shown.values["group_2"]) == ("a", "b")
    assert run.shown.values["analysis"] == "Welch's t-test"


def test_one_measure_only_compares_with_the_value() -> None:
    run = run_template("wilcoxon-signed-rank", {"df": groups_frame()}, first="belonging", mu=4)

    assert "second=None" in run.code
    assert (
        run.shown.values["statistic"]
        == wilcoxon_signed_rank(groups_frame(), "belonging", mu=4).values["statistic"]
    )
