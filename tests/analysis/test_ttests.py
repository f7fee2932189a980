"""t-tests against R 4.2.2: `stats::t.test` (t, df, p, the mean difference's CI),
`effectsize::cohens_d` / `hedges_g` 0.8.3 (d with pooled_sd = TRUE for two groups, also under
Welch; d_z with paired = TRUE; CIs from the noncentral t), `stats::shapiro.test`,
`car::leveneTest(center = median)`. R's numbers: tests/analysis/reference/ttests.R → .json."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import AnalysisError, independent_t, one_sample_t, paired_t
from tests.analysis.ttests_data import groups_frame, near, paired_frame, r

R_ALTERNATIVE = {"two-sided": "two.sided", "greater": "greater", "less": "less"}


def assert_effects(values: dict[str, float], key: str) -> None:
    assert values["effect_size"] == near(f"{key}.d.value")
    assert values["ci_low"] == near(f"{key}.d.ci_low")
    assert values["ci_high"] == near(f"{key}.d.ci_high")
    assert values["g"] == near(f"{key}.g.value")
    assert values["g_ci_low"] == near(f"{key}.g.ci_low")
    assert values["g_ci_high"] == near(f"{key}.g.ci_high")


def assert_test(values: dict[str, float], key: str, *, shift: float = 0) -> None:
    assert values["statistic"] == near(f"{key}.t")
    assert values["df"] == near(f"{key}.df")
    assert values["p"] == near(f"{key}.p")
    # t.test's conf.int is for the mean itself in the one-sample test: shift it by mu.
    assert values["mean_difference_ci_low"] + shift == near(f"{key}.ci_low")
    assert values["mean_difference_ci_high"] + shift == near(f"{key}.ci_high")


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_one_sample_t_matches_r(alternative: str) -> None:
    result = one_sample_t(groups_frame(), "belonging", mu=4, alternative=alternative)
    key = f"one_sample.{R_ALTERNATIVE[alternative]}"

    values = result.values
    assert_test(values, key, shift=4)
    assert_effects(values, key)
    assert values["mean_difference"] + 4 == near("one_sample.desc.mean")
    assert values["mean[belonging]"] == near("one_sample.desc.mean")
    assert values["sd[belonging]"] == near("one_sample.desc.sd")
    assert values["se[belonging]"] == near("one_sample.desc.se")
    assert (values["n"], values["n_missing"]) == (r("one_sample.desc.n"), 2)
    assert values["effect_size_name"] == "d"
    check = result.checks.iloc[0]
    assert check["statistic"] == near("one_sample.shapiro.statistic")
    assert check["p"] == near("one_sample.shapiro.p.value")
    assert not check["passed"]
    assert check["alternative"] == "wilcoxon_signed_rank"


def test_one_sample_t_shows_apa_numbers_and_write_up() -> None:
    result = one_sample_t(groups_frame(), "belonging", mu=4)

    assert result.report == (
        "A one-sample t-test showed that the mean of belonging (M = 4.70, SD = 1.02) was "
        "higher than 4, t(26) = 3.58, p = .001, d = 0.69, 95% CI [0.26, 1.10]."
    )
    text = str(result)
    assert "N = 27. 2 rows with a missing value in belonging were left out (listwise)." in text
    assert "Hedges' g  0.67       0.26        1.07" in text
    html = result._repr_html_()
    assert "<td>.001</td>" in html
    assert "wilcoxon_signed_rank" in html


def test_one_sided_intervals_are_open_on_one_side() -> None:
    result = one_sample_t(groups_frame(), "belonging", mu=4, alternative="greater")

    assert result.values["ci_high"] == np.inf
    assert result.report.endswith("p < .001, d = 0.69, 95% CI [0.33, ∞].")
    assert "One-sided test (H1: the mean of belonging > 4)" in str(result)


@pytest.mark.parametrize("alternative", ["two-sided", "less"])
def test_paired_t_matches_r_with_d_z(alternative: str) -> None:
    result = paired_t(paired_frame(), "wellbeing_pre", "wellbeing_post", alternative=alternative)
    key = f"paired.{R_ALTERNATIVE[alternative]}"

    values = result.values
    assert_test(values, key)
    assert_effects(values, key)
    assert values["effect_size_name"] == "d_z"
    assert values["mean_difference"] == near("paired.desc.diff.mean")
    for column, name in [("wellbeing_pre", "pre"), ("wellbeing_post", "post")]:
        assert values[f"mean[{column}]"] == near(f"paired.desc.{name}.mean")
        assert values[f"sd[{column}]"] == near(f"paired.desc.{name}.sd")
        assert values[f"se[{column}]"] == near(f"paired.desc.{name}.se")
    assert values["sd[wellbeing_pre − wellbeing_post]"] == near("paired.desc.diff.sd")
    assert (values["n"], values["n_missing"]) == (r("paired.desc.diff.n"), 2)
    check = result.checks.iloc[0]
    assert check["check"] == (
        "Normality of the differences wellbeing_pre − wellbeing_post (Shapiro-Wilk)"
    )
    assert check["statistic"] == near("paired.shapiro.statistic")
    assert check["p"] == near("paired.shapiro.p.value")


def test_paired_t_says_which_d_and_how_pairs_were_left_out() -> None:
    result = paired_t(paired_frame(), "wellbeing_pre", "wellbeing_post")

    assert result.report == (
        "A paired-samples t-test showed that wellbeing_pre was lower than wellbeing_post "
        "(M = 3.38, SD = 0.72 vs. M = 3.75, SD = 1.02), t(15) = −2.71, p = .016, "
        "d_z = −0.68, 95% CI [−1.21, −0.12]."
    )
    text = str(result)
    assert "N = 16 pairs. 2 rows with a missing value in wellbeing_pre or wellbeing_post" in text
    assert "d_z = mean difference / SD of the differences" in text
    assert "Cohen's d_z" in result.tables["Effect sizes"].index


@pytest.mark.parametrize("equal_variances", [False, True])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_independent_t_matches_r(equal_variances: bool, alternative: str) -> None:
    result = independent_t(
        groups_frame(),
        "belonging",
        "programme",
        groups="Psychology, Sociology",
        equal_variances=equal_variances,
        alternative=alternative,
    )
    key = f"independent.{'student' if equal_variances else 'welch'}.{R_ALTERNATIVE[alternative]}"

    values = result.values
    assert_test(values, key)
    assert_effects(values, key)
    for group in ("Psychology", "Sociology"):
        assert values[f"n[{group}]"] == r(f"independent.desc.{group}.n")
        assert values[f"mean[{group}]"] == near(f"independent.desc.{group}.mean")
        assert values[f"sd[{group}]"] == near(f"independent.desc.{group}.sd")
        assert values[f"se[{group}]"] == near(f"independent.desc.{group}.se")
    checks = result.checks.set_index("check")
    for group in ("Psychology", "Sociology"):
        row = checks.loc[f"Normality of belonging in {group} (Shapiro-Wilk)"]
        assert row["statistic"] == near(f"independent.shapiro.{group}.statistic")
        assert row["p"] == near(f"independent.shapiro.{group}.p.value")
    levene = checks.loc["Equal variances (Levene, median-centred)"]
    assert levene["statistic"] == near("independent.levene.F")
    assert levene["p"] == near("independent.levene.p")
    sociology = checks.loc["Normality of belonging in Sociology (Shapiro-Wilk)"]
    assert not sociology["passed"]
    assert sociology["alternative"] == "mann_whitney"


def test_independent_t_write_up_names_groups_and_welch_df() -> None:
    result = independent_t(groups_frame(), "belonging", "programme", groups="Psychology, Sociology")

    assert result.title == "Independent-samples t-test (Welch)"
    assert result.report == (
        "A Welch's t-test showed that belonging did not differ significantly between "
        "Psychology (M = 4.77, SD = 0.90) and Sociology (M = 4.57, SD = 1.33), "
        "t(13.59) = 0.38, p = .712, d = 0.18, 95% CI [−0.71, 1.06]."
    )
    text = str(result)
    assert "Positive d: Psychology scored higher than Sociology." in text
    assert "6 rows in other groups of programme were not used." in text
    assert list(result.tables["Descriptives"].index) == ["Psychology", "Sociology"]
    html = result._repr_html_()
    assert "<td>13.59</td>" in html
    assert "<td>.712</td>" in html


def test_the_users_group_order_sets_the_sign() -> None:
    frame = groups_frame()
    forward = independent_t(frame, "belonging", "programme", groups=["Psychology", "Sociology"])
    backward = independent_t(frame, "belonging", "programme", groups=["Sociology", "Psychology"])

    assert backward.values["statistic"] == pytest.approx(-forward.values["statistic"])
    assert backward.values["effect_size"] == pytest.approx(-forward.values["effect_size"])
    assert backward.values["ci_low"] == pytest.approx(-forward.values["ci_high"])
    assert "Positive d: Sociology scored higher than Psychology." in backward.notes[1]


def test_students_test_suggests_welch_when_variances_differ() -> None:
    frame = pd.DataFrame(
        {
            "score": [5.0, 5.1, 4.9, 5.0, 5.2, 4.8, 5.0, 1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 5.5],
            "group": ["a"] * 7 + ["b"] * 7,
        }
    )

    student = independent_t(frame, "score", "group", equal_variances=True)
    welch = independent_t(frame, "score", "group")

    levene = student.checks.set_index("check").loc["Equal variances (Levene, median-centred)"]
    assert not levene["passed"]
    assert levene["alternative"] == "independent_t(..., equal_variances=False)"
    informative = welch.checks.set_index("check").loc["Equal variances (Levene, median-centred)"]
    assert informative["passed"] is None  # informative only
    assert informative["alternative"] is None
    assert "does not assume equal variances" in informative["verdict"]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda f: independent_t(f, "belonging", "programme"), "exactly 2 groups"),
        (
            lambda f: independent_t(f, "belonging", "programme", groups="Psychology, Law"),
            "no group 'Law'",
        ),
        (lambda f: independent_t(f, "belongin", "programme"), "There is no column 'belongin'"),
        (lambda f: one_sample_t(f, "belonging", alternative="bigger"), "'greater' or 'less'"),
        (lambda f: one_sample_t(f, "belonging", mu="four"), "mu must be a number"),
        (lambda f: one_sample_t(f, "constant"), "same value (3) in every row"),
        (lambda f: one_sample_t(f, "name"), "'name' holds text"),
        (lambda f: one_sample_t(f, "lonely"), "only 1 values of 'lonely'"),
        (lambda f: paired_t(f, "belonging", "belonging"), "must be different columns"),
        (lambda f: paired_t(f, "belonging", "shifted"), "differs by the same amount (-1)"),
        (lambda f: paired_t(f, "belonging", "lonely"), "only 1 pairs"),
    ],
)
def test_data_that_cannot_be_analysed_are_refused_in_words(call: object, words: str) -> None:
    frame = groups_frame()
    frame["constant"] = 3.0
    frame["name"] = ["Ann", "Bo"] * 14 + ["Cy"]
    frame["lonely"] = [1.0] + [np.nan] * 28
    frame["shifted"] = frame["belonging"] + 1

    with pytest.raises(AnalysisError) as caught:
        call(frame)  # type: ignore[operator]

    assert words in str(caught.value)


def test_one_group_only_is_refused() -> None:
    frame = groups_frame()
    frame = frame[frame["programme"] == 1]

    with pytest.raises(AnalysisError, match=r"'programme' has 1 with data \('Psychology'\)"):
        independent_t(frame, "belonging", "programme")
