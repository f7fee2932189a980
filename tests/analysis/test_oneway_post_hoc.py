"""Tukey HSD, Games-Howell and Dunn's test: every pair against R 4.2.2
(tests/analysis/reference/oneway.R). p-values and intervals of the studentized range are
compared to R code that integrates its definition (to 1e-12); R's own ptukey/qtukey (used by
TukeyHSD and rstatix) are accurate to about 1e-5 at small df, and are compared at that."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pytest

from datadive.analysis import AnalysisError, dunn_test, games_howell, post_hoc_tests, tukey_hsd
from tests.analysis.test_oneway import CASES, close, unequal_spread
from tests.support.r_reference import r_value

R_PTUKEY = 2e-5  # R's AS 190 ptukey/qtukey at df near 7 (see the module docstring)


@functools.cache  # results are only read: each analysis runs once per case
def run(function: Any, case: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    make, outcome, group, _, groups = CASES[case]
    result = function(make(), outcome=outcome, group=group, groups=groups, **options)
    return result, r_value("oneway", case)


def by_pair(result: Any, key: str, names: list[str]) -> list[float]:
    return [result.values[f"{key}[{name}]"] for name in names]


@pytest.mark.parametrize("case", list(CASES))
def test_tukey_hsd_matches_tukeyhsd(case: str) -> None:
    result, r = run(tukey_hsd, case)
    tukey = r["tukey"]
    names = tukey["names"]
    table = result.tables["Tukey HSD"]
    assert list(table.index) == names
    assert by_pair(result, "difference", names) == close(tukey["diff"])  # TukeyHSD diff
    assert by_pair(result, "se", names) == close(tukey["se"])  # sqrt(MSE (1/n_i + 1/n_j))
    assert by_pair(result, "statistic", names) == close(tukey["t"])
    assert by_pair(result, "p", names) == close(tukey["p"])  # studentized range, integrated
    assert by_pair(result, "ci_low", names) == close(tukey["low"])
    assert by_pair(result, "ci_high", names) == close(tukey["high"])
    assert table["p"].tolist() == pytest.approx(tukey["r_p"], rel=R_PTUKEY)  # TukeyHSD p adj
    assert table["95% CI low"].tolist() == pytest.approx(tukey["r_low"], rel=R_PTUKEY)
    assert table["95% CI high"].tolist() == pytest.approx(tukey["r_high"], rel=R_PTUKEY)
    assert tukey["rstatix_diff"] == close(tukey["diff"])  # rstatix::tukey_hsd agrees
    assert result.values["analysis"] == "Tukey HSD"
    for name in r["mean"]:
        assert result.values[f"mean[{name}]"] == close(r["mean"][name])
        assert result.values[f"sd[{name}]"] == close(r["sd"][name])


@pytest.mark.parametrize("case", list(CASES))
def test_games_howell_matches_rstatix(case: str) -> None:
    result, r = run(games_howell, case)
    gh = r["games_howell"]
    names = gh["names"]
    assert list(result.tables["Games-Howell"].index) == names
    # rstatix::games_howell_test: estimate, df; SE and t from their definitions
    assert by_pair(result, "difference", names) == close(gh["diff"])
    assert by_pair(result, "se", names) == close(gh["se"])
    assert by_pair(result, "statistic", names) == close(gh["t"])
    assert by_pair(result, "df", names) == close(gh["df"])
    # the studentized range integrated (Games & Howell, 1976)
    assert by_pair(result, "p", names) == close(gh["p"])
    assert by_pair(result, "ci_low", names) == close(gh["low"])
    assert by_pair(result, "ci_high", names) == close(gh["high"])
    # rstatix's own numbers, through R's ptukey/qtukey
    assert by_pair(result, "p", names) == pytest.approx(gh["r_p"], rel=R_PTUKEY)
    assert by_pair(result, "ci_low", names) == pytest.approx(gh["r_low"], rel=R_PTUKEY)
    assert by_pair(result, "ci_high", names) == pytest.approx(gh["r_high"], rel=R_PTUKEY)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    ("adjust", "column"), [("holm", "p_holm"), ("bonferroni", "p_bonferroni"), ("none", "p")]
)
def test_dunn_test_matches_rstatix(case: str, adjust: str, column: str) -> None:
    result, r = run(dunn_test, case, adjust=adjust)
    dunn = r["dunn"]  # rstatix::dunn_test(p.adjust.method = …, detailed = TRUE)
    names = dunn["names"]
    assert by_pair(result, "difference", names) == close(dunn["diff"])  # mean-rank difference
    assert by_pair(result, "statistic", names) == close(dunn["z"])
    assert by_pair(result, "p_unadjusted", names) == close(dunn["p"])
    assert by_pair(result, "p", names) == close(dunn[column])
    for name in r["mean_rank"]:
        assert result.values[f"mean_rank[{name}]"] == close(r["mean_rank"][name])
        assert result.values[f"median[{name}]"] == close(r["median"][name])


def test_pairs_follow_the_users_order_of_groups_from_a_forms_text() -> None:
    make, outcome, group, _, _ = CASES["belonging"]
    result = tukey_hsd(make(), outcome, group, groups="Economics, Psychology, Sociology")
    r = r_value("oneway", "reordered")["tukey"]
    assert list(result.tables["Tukey HSD"].index) == r["names"]
    assert by_pair(result, "difference", r["names"]) == close(r["diff"])
    assert r["diff"][0] < 0  # Economics minus Psychology


def test_write_ups_name_the_higher_group_first() -> None:
    result, _ = run(games_howell, "reordered")
    assert result.report == (
        "Games-Howell comparisons showed that belonging was higher in Psychology than in "
        "Economics (M difference = 1.74, 95% CI [1.00, 2.48], p < .001) and in Psychology than "
        "in Sociology (M difference = 1.11, 95% CI [0.26, 1.96], p = .014); the other "
        "difference was not significant."
    )
    dunn, _ = run(dunn_test, "belonging")
    assert dunn.report == (
        "Holm-adjusted Dunn comparisons showed that belonging ranked higher in Psychology "
        "than in Sociology (z = 2.60, p = .019) and in Psychology than in Economics "
        "(z = 3.59, p = .001); the other difference was not significant."
    )
    none, _ = run(tukey_hsd, "likert")
    assert none.report == (
        "Tukey HSD comparisons found no pair of groups whose satisfaction differed significantly."
    )


def test_display_shows_the_pairs_and_how_p_was_adjusted() -> None:
    result, _ = run(dunn_test, "belonging")
    text = str(result)
    assert "Psychology vs Economics                11.69  3.59         < .001     .001" in text
    assert "p-values adjusted with Holm's method for 3 comparisons" in text
    tukey, _ = run(tukey_hsd, "belonging")
    page = tukey._repr_html_()
    assert "<td>−0.16</td>" in page  # the CI's low end for Sociology vs Economics
    assert "adjusted for comparing 3 groups" in page


def test_checks_suggest_games_howell_or_dunn() -> None:
    tukey = tukey_hsd(unequal_spread(), "score", "site").checks.set_index("check")
    levene = tukey.loc["Equal variances (Levene, median-centred)"]
    assert (levene["passed"], levene["alternative"]) == (False, "games_howell")
    make, outcome, group, _, _ = CASES["likert"]
    normality = tukey_hsd(make(), outcome, group).checks.set_index("check")
    failed = normality.loc["Normality of satisfaction in 1 (Shapiro-Wilk)"]
    assert (failed["passed"], failed["alternative"]) == (False, "dunn_test")


def test_bad_input_is_refused_in_words() -> None:
    frame = pd.DataFrame({"score": [2.0, 2, 2, 4, 5, 7], "site": ["n"] * 3 + ["s"] * 3})
    with pytest.raises(AnalysisError, match="The group 'n' has the same value of 'score'"):
        games_howell(frame, "score", "site")
    with pytest.raises(AnalysisError, match="adjust must be one of 'holm', 'bonferroni', 'none'"):
        dunn_test(frame, "score", "site", adjust="sidak")
    one = pd.DataFrame({"score": [1.0, 2, 3], "site": ["n"] * 3})
    for function in (tukey_hsd, games_howell, dunn_test):
        with pytest.raises(AnalysisError, match="'site' has only 1 group with data"):
            function(one, "score", "site")


def test_post_hoc_tests_runs_the_chosen_method() -> None:
    make, outcome, group, _, _ = CASES["belonging"]
    chosen = post_hoc_tests(make(), outcome, group, method="Games-Howell")
    assert chosen.values == run(games_howell, "belonging")[0].values
    assert post_hoc_tests(make(), outcome, group, method="dunn").values["analysis"] == (
        "Dunn's test, Holm adjustment"
    )
    with pytest.raises(AnalysisError) as error:
        post_hoc_tests(make(), outcome, group, method="scheffe")
    assert str(error.value) == "method must be 'tukey', 'games-howell' or 'dunn', not 'scheffe'."
