"""One-way ANOVA, Welch's and Brown-Forsythe's tests, Kruskal-Wallis: every number against R
4.2.2 (tests/analysis/reference/oneway.R, which names the R function behind each number)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    brown_forsythe_anova,
    kruskal_wallis,
    one_way_anova,
    set_column_info,
    welch_anova,
)
from tests.support.r_reference import close, r_value, reference_data

PROGRAMMES = ["Psychology", "Sociology", "Economics"]
YEARS = [1, 2, 3, 4]


def belonging() -> pd.DataFrame:
    """22 students, programme labelled 1-3, one missing belonging and one missing programme."""
    df = reference_data("oneway_belonging")
    set_column_info(
        df,
        "programme",
        measurement="nominal",
        value_labels={1: "Psychology", 2: "Sociology", 3: "Economics"},
    )
    return df


def likert() -> pd.DataFrame:
    """42 students, a 1-5 satisfaction item (many ties) by study year 1-4, one missing."""
    return reference_data("oneway_likert")


CASES = {
    "belonging": (belonging, "belonging", "programme", PROGRAMMES, None),
    "likert": (likert, "satisfaction", "year", YEARS, None),
    # the user's own order of groups, as a list
    "reordered": (
        belonging,
        "belonging",
        "programme",
        PROGRAMMES,
        ["Economics", "Psychology", "Sociology"],
    ),
}


@functools.cache  # results are only read: each analysis runs once per case
def run(function: Any, case: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    make, outcome, group, _, groups = CASES[case]
    result = function(make(), outcome=outcome, group=group, groups=groups, **options)
    return result, r_value("oneway", case)


def assert_descriptives(result: Any, r: dict[str, Any]) -> None:
    """Per group n, mean, SD, SE: R's length, mean, sd, sd / sqrt(n) (tapply)."""
    table = result.tables["Descriptives"]
    assert [str(name) for name in table.index] == list(r["mean"])
    for name in r["mean"]:
        assert result.values[f"n[{name}]"] == r["n_group"][name]
        assert result.values[f"mean[{name}]"] == close(r["mean"][name])
        assert result.values[f"sd[{name}]"] == close(r["sd"][name])
        assert result.values[f"se[{name}]"] == close(r["se"][name])
    assert table["M"].tolist() == close(list(r["mean"].values()))
    assert table["SD"].tolist() == close(list(r["sd"].values()))


def assert_effect_sizes(result: Any, r_test: dict[str, Any]) -> None:
    """ω² and η² with two-sided 95% CIs. Point estimates: R 4.2.2, effectsize 0.8.3
    (omega_squared / eta_squared on the aov model, F_to_omega2 / F_to_eta2 for Welch and
    Brown-Forsythe). CIs: the same definition solved with uniroot to 1e-13 (to 1e-6 here),
    and effectsize's own optim-based bounds (to 1e-5: Nelder-Mead stops near 1e-6)."""
    v = result.values
    es, tight = r_test["effectsize"], r_test["uniroot"]
    assert v["effect_size_name"] == "ω²"
    assert v["effect_size"] == close(es["omega2"])
    assert v["eta_squared"] == close(es["eta2"])
    assert v["ci_level"] == 0.95
    for mine, theirs in [
        ("ci_low", "omega2_low"),
        ("ci_high", "omega2_high"),
        ("eta_squared_ci_low", "eta2_low"),
        ("eta_squared_ci_high", "eta2_high"),
    ]:
        assert v[mine] == close(tight[theirs]), mine
        assert v[mine] == pytest.approx(es[theirs], abs=1e-5), mine
    table = result.tables["Effect sizes"]
    assert table.loc["ω²"].tolist() == close([v["effect_size"], v["ci_low"], v["ci_high"]])
    assert table.loc["η²", "95% CI high"] == close(tight["eta2_high"])


@pytest.mark.parametrize("case", list(CASES))
def test_one_way_anova_matches_aov_and_effectsize(case: str) -> None:
    result, r = run(one_way_anova, case)
    anova = r["anova"]
    v = result.values
    assert v["analysis"] == "One-way ANOVA"
    assert (v["statistic_name"], v["df"], v["df2"]) == ("F", anova["df1"], anova["df2"])
    assert v["statistic"] == close(anova["F"])  # summary(aov)
    assert v["p"] == close(anova["p"])
    for key in ("ss_between", "ss_within", "ms_between", "ms_within"):
        assert v[key] == close(anova[key]), key
    table = result.tables["One-way ANOVA"]
    assert table["SS"].tolist() == close([anova["ss_between"], anova["ss_within"]])
    assert table["MS"].tolist() == close([anova["ms_between"], anova["ms_within"]])
    assert table.iloc[0]["F"] == close(anova["F"])
    assert (v["n"], v["n_missing"]) == (r["n"], 2 if case != "likert" else 1)
    assert_descriptives(result, r)
    assert_effect_sizes(result, anova)


@pytest.mark.parametrize("case", list(CASES))
def test_welch_anova_matches_oneway_test(case: str) -> None:
    result, r = run(welch_anova, case)
    welch = r["welch"]  # oneway.test(var.equal = FALSE)
    v = result.values
    assert v["analysis"] == "Welch ANOVA"
    assert v["df"] == welch["df1"]
    assert v["df2"] == close(welch["df2"])
    assert v["statistic"] == close(welch["F"])
    assert v["p"] == close(welch["p"])
    assert result.tables["Welch ANOVA"].iloc[0].tolist() == close(
        [welch["F"], welch["df1"], welch["df2"], welch["p"]]
    )
    assert_descriptives(result, r)
    assert_effect_sizes(result, welch)


@pytest.mark.parametrize("case", list(CASES))
def test_brown_forsythe_matches_its_definition(case: str) -> None:
    """R computes F* and its df from Brown & Forsythe (1974) (no installed package has it),
    Mehrotra's (1997) df1 from its definition, p with pf."""
    result, r = run(brown_forsythe_anova, case)
    bf = r["brown_forsythe"]
    v = result.values
    assert v["analysis"] == "Brown-Forsythe ANOVA"
    assert (v["statistic_name"], v["df"]) == ("F*", bf["df1"])
    assert v["statistic"] == close(bf["F"])
    assert v["df2"] == close(bf["df2"])
    assert v["p"] == close(bf["p"])
    assert v["df_mehrotra"] == close(bf["df_mehrotra"])
    assert v["p_mehrotra"] == close(bf["p_mehrotra"])
    assert_descriptives(result, r)
    assert_effect_sizes(result, bf)


@pytest.mark.parametrize("case", list(CASES))
def test_kruskal_wallis_matches_kruskal_test(case: str) -> None:
    result, r = run(kruskal_wallis, case)
    kw = r["kruskal"]
    v = result.values
    assert v["analysis"] == "Kruskal-Wallis test"
    assert (v["statistic_name"], v["df"]) == ("H", kw["df"])
    assert v["statistic"] == close(kw["H"])  # kruskal.test (tie-corrected)
    assert v["p"] == close(kw["p"])
    assert v["effect_size_name"] == "ε²"
    assert v["effect_size"] == close(kw["epsilon2"])  # effectsize::rank_epsilon_squared
    assert v["eta_squared_h"] == close(kw["eta2_h"])  # rstatix::kruskal_effsize
    assert "ci_low" not in v  # R's interval is a bootstrap: none is claimed
    table = result.tables["Descriptives"]
    assert [str(name) for name in table.index] == list(r["median"])
    for name in r["median"]:
        assert v[f"median[{name}]"] == close(r["median"][name])  # median
        assert v[f"mean_rank[{name}]"] == close(r["mean_rank"][name])  # tapply(rank(x), g, mean)
        assert v[f"n[{name}]"] == r["n_group"][name]
    assert table["Mean rank"].tolist() == close(list(r["mean_rank"].values()))


def test_groups_come_in_the_users_order_also_from_a_forms_text() -> None:
    listed = one_way_anova(
        belonging(), "belonging", "programme", groups=["Economics", "Psychology", "Sociology"]
    )
    typed = one_way_anova(
        belonging(), "belonging", "programme", groups="Economics, Psychology, Sociology"
    )
    for result in (listed, typed):
        assert list(result.tables["Descriptives"].index) == [
            "Economics",
            "Psychology",
            "Sociology",
        ]
    assert typed.values == listed.values


def test_chosen_groups_only_and_the_others_are_said() -> None:
    """Two of three programmes: the F test of two groups is Student's t squared (R: the
    Tukey difference and pooled SE of the same pair give t; here from the R reference)."""
    result = one_way_anova(
        belonging(), "belonging", "programme", groups=["Psychology", "Sociology"]
    )
    assert list(result.tables["Descriptives"].index) == ["Psychology", "Sociology"]
    assert result.values["n"] == 14
    r = r_value("oneway", "belonging")
    assert result.values["mean[Psychology]"] == close(r["mean"]["Psychology"])
    assert "6 rows in other groups of programme were not used." in result.notes[0]


def test_checks_match_shapiro_test_and_levene_test_and_suggest_the_alternative() -> None:
    """Shapiro-Wilk per group (R: shapiro.test) and Levene's test centred on the median
    (R: car::leveneTest(center = median)); a failed normality check suggests
    kruskal_wallis."""
    result = one_way_anova(likert(), "satisfaction", "year")
    r = r_value("oneway", "likert")
    checks = result.checks.set_index("check")
    for year in YEARS:
        row = checks.loc[f"Normality of satisfaction in {year} (Shapiro-Wilk)"]
        assert row["statistic"] == close(r["shapiro_w"][str(year)])
        assert row["p"] == close(r["shapiro_p"][str(year)])
    failed = checks.loc["Normality of satisfaction in 1 (Shapiro-Wilk)"]
    assert r["shapiro_p"]["1"] < 0.05
    assert (failed["passed"], failed["alternative"]) == (False, "kruskal_wallis")
    levene = checks.loc["Equal variances (Levene, median-centred)"]
    assert levene["statistic"] == close(r["levene"]["F"])
    assert levene["p"] == close(r["levene"]["p"])
    assert "kruskal_wallis" in str(result)


def unequal_spread() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "score": np.r_[rng.normal(10, 0.5, 30), rng.normal(10, 6, 30), rng.normal(11, 3, 30)],
            "site": ["north"] * 30 + ["south"] * 30 + ["west"] * 30,
        }
    )


def test_unequal_variances_suggest_welch_for_the_classic_anova_only() -> None:
    classic = one_way_anova(unequal_spread(), "score", "site").checks.set_index("check")
    levene = classic.loc["Equal variances (Levene, median-centred)"]
    assert (levene["passed"], levene["alternative"]) == (False, "welch_anova")
    welch = welch_anova(unequal_spread(), "score", "site").checks.set_index("check")
    informative = welch.loc["Equal variances (Levene, median-centred)"]
    assert informative["passed"] is None
    assert "does not assume equal variances" in informative["verdict"]


def test_display_shows_apa_numbers_and_the_write_up() -> None:
    result = welch_anova(belonging(), "belonging", "programme")
    text, page = str(result), result._repr_html_()
    sentence = (
        "A Welch ANOVA showed that belonging differed between the groups of programme, "
        "F(2, 9.29) = 25.65, p < .001, ω² = .80, 95% CI [.41, .90]."
    )
    assert result.report == sentence
    for shown in (text, page.replace("&lt;", "<")):
        assert sentence in shown
        assert (
            "N = 20. 2 rows with a missing value in belonging or programme were left out" in shown
        )
    assert "Psychology  7  5.32  0.28  0.11" in text
    assert "ω²               .80        .41         .90" in text
    assert "<td>9.29</td>" in page


def test_classic_anova_display_and_a_non_significant_write_up() -> None:
    result = one_way_anova(likert(), "satisfaction", "year")
    assert result.report == (
        "A one-way ANOVA showed no significant difference in satisfaction between the groups "
        "of year, F(3, 37) = 0.56, p = .648, ω² = .00, 95% CI [.00, .00]."
    )
    # effectsize truncates a negative ω² at 0 (and its interval with it)
    assert result.values["effect_size"] == 0.0
    text = str(result)
    assert "Residuals  50.23  37  1.36     –     –" in text
    assert "year        2.26   3  0.75  0.56  .648" in text


def test_brown_forsythe_and_kruskal_wallis_write_ups() -> None:
    bf = brown_forsythe_anova(belonging(), "belonging", "programme")
    assert bf.report == (
        "A Brown-Forsythe test of means showed that belonging differed between the groups of "
        "programme, F*(2, 12.66) = 16.52, p < .001, ω² = .66, 95% CI [.24, .82]."
    )
    kw = kruskal_wallis(belonging(), "belonging", "programme")
    assert kw.report == (
        "A Kruskal-Wallis test showed that belonging differed between the groups of "
        "programme, H(2) = 13.86, p < .001, ε² = .73."
    )
    assert "ε² = H / (n − 1)" in str(kw)


# --- post hoc comparisons joined to the test -------------------------------------------


@pytest.mark.parametrize(
    ("function", "post_hoc", "table", "key"),
    [
        (one_way_anova, "tukey", "Post hoc comparisons (Tukey HSD)", "tukey"),
        (welch_anova, "games-howell", "Post hoc comparisons (Games-Howell)", "games_howell"),
        (
            brown_forsythe_anova,
            "Games_Howell",
            "Post hoc comparisons (Games-Howell)",
            "games_howell",
        ),
        (kruskal_wallis, "dunn", "Post hoc comparisons (Dunn's test, Holm adjustment)", "dunn"),
    ],
)
def test_post_hoc_joins_the_result(function: Any, post_hoc: str, table: str, key: str) -> None:
    result, r = run(function, "belonging", post_hoc=post_hoc)
    assert list(result.tables)[-1] == table
    pairs = r[key]
    assert list(result.tables[table].index) == pairs["names"]
    p = pairs["p_holm"] if key == "dunn" else pairs["p"]
    for name, expected_diff, expected_p in zip(pairs["names"], pairs["diff"], p, strict=True):
        assert result.values[f"difference[{name}]"] == close(expected_diff)
        assert result.values[f"p[{name}]"] == close(expected_p)
    test = {
        one_way_anova: "anova",
        welch_anova: "welch",
        brown_forsythe_anova: "brown_forsythe",
        kruskal_wallis: "kruskal",
    }[function]
    assert result.values["p"] == close(r[test]["p"])
    assert "in Psychology than in Economics" in result.report


def test_no_post_hoc_from_a_form_means_none() -> None:
    result = one_way_anova(belonging(), "belonging", "programme", post_hoc="none")
    assert not any(name.startswith("Post hoc") for name in result.tables)
    assert "post_hoc" not in result.values


# --- data that cannot be analysed -------------------------------------------------------


def refused(function: Any, frame: pd.DataFrame, **options: Any) -> str:
    options = {"outcome": "score", "group": "site"} | options
    with pytest.raises(AnalysisError) as error:
        function(frame, **options)
    return str(error.value)


ALL = [one_way_anova, welch_anova, brown_forsythe_anova, kruskal_wallis]


@pytest.mark.parametrize("function", ALL)
def test_one_group_only_is_refused_in_words(function: Any) -> None:
    frame = pd.DataFrame({"score": [1.0, 2, 3, 4], "site": ["north"] * 4})
    message = refused(function, frame)
    assert "'site' has only 1 group with data ('north'); at least two groups" in message


@pytest.mark.parametrize("function", ALL)
def test_a_constant_outcome_is_refused(function: Any) -> None:
    frame = pd.DataFrame({"score": [3.0] * 6, "site": ["north", "south"] * 3})
    assert "'score' has the same value (3) in every row used" in refused(function, frame)


@pytest.mark.parametrize("function", ALL)
def test_a_text_outcome_and_a_missing_column_are_refused(function: Any) -> None:
    frame = pd.DataFrame({"score": ["high", "low", "mid", "low"], "site": ["n", "s", "n", "s"]})
    assert "'score' holds text ('high', 'low', 'mid'), not numbers" in refused(function, frame)
    message = refused(function, frame, outcome="scroe")
    assert "There is no column 'scroe' in this table" in message


@pytest.mark.parametrize("function", [one_way_anova, welch_anova, brown_forsythe_anova])
def test_a_group_with_one_value_is_refused_for_means(function: Any) -> None:
    frame = pd.DataFrame({"score": [1.0, 2, 3, 4, 5], "site": ["n", "n", "s", "s", "w"]})
    assert "The group 'w' has 1 value(s) of 'score'; each group needs at least 2" in refused(
        function, frame
    )


def test_kruskal_wallis_takes_a_group_of_one() -> None:
    frame = pd.DataFrame({"score": [1.0, 2, 3, 4, 5], "site": ["n", "n", "s", "s", "w"]})
    assert kruskal_wallis(frame, "score", "site").values["n[w]"] == 1


@pytest.mark.parametrize("function", [welch_anova, brown_forsythe_anova])
def test_a_group_without_spread_is_refused_by_the_variance_weighted_tests(function: Any) -> None:
    frame = pd.DataFrame({"score": [2.0, 2, 2, 4, 5, 7], "site": ["n"] * 3 + ["s"] * 3})
    message = refused(function, frame)
    assert "The group 'n' has the same value of 'score' in every row" in message
    assert "Use one_way_anova or kruskal_wallis instead." in message


def test_no_spread_within_any_group_is_refused_by_the_classic_anova() -> None:
    frame = pd.DataFrame({"score": [2.0, 2, 2, 4, 4, 4], "site": ["n"] * 3 + ["s"] * 3})
    assert "Within each group, 'score' has the same value in every row" in refused(
        one_way_anova, frame
    )


def test_an_unknown_post_hoc_or_group_is_refused() -> None:
    message = refused(one_way_anova, unequal_spread(), post_hoc="scheffe")
    assert message == "post_hoc must be 'tukey', 'games-howell', 'dunn' or None, not 'scheffe'."
    message = refused(one_way_anova, unequal_spread(), groups=["north", "east"])
    assert "'site' has no group 'east' with data; its groups are 'north', 'south', 'west'." in (
        message
    )
