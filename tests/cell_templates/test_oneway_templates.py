"""The one-way ANOVA templates render to one call of the library and show the same result as
that call (whose numbers tests/analysis/test_oneway*.py check against R)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from datadive.analysis import (
    Result,
    brown_forsythe_anova,
    kruskal_wallis,
    one_way_anova,
    post_hoc_tests,
    welch_anova,
)
from tests.analysis.test_oneway import belonging
from tests.support.templates import run_template

TEMPLATE_CASES: dict[str, dict[str, Any]] = {
    "one-way-anova": {
        "data": "df",
        "outcome": "belonging",
        "group": "programme",
        "post_hoc": "tukey",
        "target": "anova",
    },
    "welch-anova": {
        "data": "df",
        "outcome": "belonging",
        "group": "programme",
        "groups": "Economics, Psychology, Sociology",
        "post_hoc": "games-howell",
        "target": "welch",
    },
    "brown-forsythe-anova": {
        "data": "df",
        "outcome": "belonging",
        "group": "programme",
        "post_hoc": "none",
        "target": "brown_forsythe",
    },
    "kruskal-wallis": {
        "data": "df",
        "outcome": "belonging",
        "group": "programme",
        "post_hoc": "dunn",
        "target": "kruskal",
    },
    "post-hoc-tests": {
        "data": "df",
        "outcome": "belonging",
        "group": "programme",
        "method": "games-howell",
        "groups": "Psychology, Economics",
        "target": "comparisons",
    },
}

CALLS = {
    "one-way-anova": (
        "anova = one_way_anova(df, outcome='belonging', group='programme', post_hoc='tukey')",
        lambda df: one_way_anova(df, "belonging", "programme", post_hoc="tukey"),
    ),
    "welch-anova": (
        "welch = welch_anova(df, outcome='belonging', group='programme', "
        "groups='Economics, Psychology, Sociology', post_hoc='games-howell')",
        lambda df: welch_anova(
            df,
            "belonging",
            "programme",
            groups=["Economics", "Psychology", "Sociology"],
            post_hoc="games-howell",
        ),
    ),
    "brown-forsythe-anova": (
        "brown_forsythe = brown_forsythe_anova(df, outcome='belonging', group='programme', "
        "post_hoc='none')",
        lambda df: brown_forsythe_anova(df, "belonging", "programme"),
    ),
    "kruskal-wallis": (
        "kruskal = kruskal_wallis(df, outcome='belonging', group='programme', post_hoc='dunn')",
        lambda df: kruskal_wallis(df, "belonging", "programme", post_hoc="dunn"),
    ),
    "post-hoc-tests": (
        "comparisons = post_hoc_tests(df, outcome='belonging', group='programme', "
        "method='games-howell', groups='Psychology, Economics')",
        lambda df: post_hoc_tests(
            df, "belonging", "programme", method="games-howell", groups=["Psychology", "Economics"]
        ),
    ),
}


def same_numbers(shown: dict[str, Any], direct: dict[str, Any]) -> None:
    assert shown.keys() == direct.keys()
    for key, value in direct.items():
        if isinstance(value, float):
            assert shown[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        else:
            assert shown[key] == value, key


@pytest.mark.parametrize("slug", list(TEMPLATE_CASES))
def test_template_is_one_call_that_shows_the_result(slug: str) -> None:
    frame = belonging()
    run = run_template(slug, {"df": frame}, **TEMPLATE_CASES[slug])
    call, direct = CALLS[slug]
    lines = [line for line in run.code.splitlines() if line.strip()]
    assert len(lines) == 3
    assert lines[0].startswith("from datadive.analysis import ")
    assert lines[1] == call
    assert lines[2] == TEMPLATE_CASES[slug]["target"]
    assert isinstance(run.shown, Result)
    expected = direct(belonging())
    same_numbers(run.shown.values, expected.values)
    assert run.shown.report == expected.report
    assert list(run.shown.tables) == list(expected.tables)


def test_empty_groups_and_no_post_hoc_leave_the_call_plain() -> None:
    run = run_template(
        "one-way-anova",
        {"df": belonging()},
        data="df",
        outcome="belonging",
        group="programme",
        post_hoc=None,
        target="anova",
    )
    assert "anova = one_way_anova(df, outcome='belonging', group='programme', post_hoc=None)" in (
        run.code
    )
    assert run.shown.values["p"] == one_way_anova(belonging(), "belonging", "programme").values["p"]


def test_a_forms_mistake_reads_in_words() -> None:
    frame = pd.DataFrame({"score": [1.0, 2, 3], "site": ["n"] * 3})
    with pytest.raises(ValueError, match="'site' has only 1 group with data"):
        run_template(
            "post-hoc-tests",
            {"df": frame},
            data="df",
            outcome="score",
            group="site",
            method="dunn",
            target="comparisons",
        )
