"""Repeated-measures ANOVA, mixed ANOVA and the Friedman test, every number against R 4.2.2
(tests/analysis/reference/repeated.R writes repeated.json):

- SS, df, F, p: afex 1.2-1 `aov_car(score ~ Error(id/condition))`, its `summary()`
  (car 3.1-1 `summary.Anova.mlm`: univariate tests, Greenhouse-Geisser and Huynh-Feldt ε and
  p, Mauchly's W and p); generalized η² from afex's `anova_table` (`ges`), partial η² from
  `anova(fit, es = "pes")`; Mauchly's W and p also from `stats::mauchly.test`.
- partial η²'s 95% CI: the noncentral F inverted with `stats::pf`/`uniroot` (the definition
  `effectsize::eta_squared` uses; its own, less precise, bounds agree to 1e-6 as well).
- Mauchly's χ²: from its definition, −(n − 1 − (2p² + p + 2)/(6p)) log W (Mauchly, 1940).
- Residual normality: `stats::shapiro.test` on y − person mean − condition mean + grand mean.
- Levene: `car::leveneTest` (median-centred); means, SDs: `mean`, `sd`, `aggregate`.
- Friedman: `stats::friedman.test`; Kendall's W: `rstatix::friedman_effsize`; medians and
  quartiles: `median`, `quantile` (type 7).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    friedman,
    mixed_anova,
    repeated_measures_anova,
    set_column_info,
)
from tests.support.r_reference import close, r_numbers, reference_data

TIMES = ["wellbeing_t1", "wellbeing_t2", "wellbeing_t3", "wellbeing_t4"]
VERSIONS = ["rating_plain", "rating_photo", "rating_video"]
PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}


def r(case: str) -> dict[str, Any]:
    found: dict[str, Any] = r_numbers("repeated")[case]
    return found


def wellbeing() -> pd.DataFrame:
    frame = reference_data("repeated_wellbeing")
    set_column_info(frame, "programme", measurement="nominal", value_labels=PROGRAMMES)
    return frame


def ratings() -> pd.DataFrame:
    return reference_data("repeated_ratings")


def as_long(frame: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """One row per person and time; a missing value becomes a row that is not there."""
    long = frame.melt(
        id_vars=["id", "programme"], value_vars=measures, var_name="time", value_name="wellbeing"
    )
    long = long.dropna(subset=["wellbeing"]).sample(frac=1, random_state=3)  # any row order
    long["time"] = pd.Categorical(long["time"], categories=measures)
    long.attrs = frame.attrs
    return long


# — repeated-measures ANOVA —


def assert_rm_matches(result: Any, expected: dict[str, Any], *, k: int) -> None:
    values = result.values
    for key, r_key in [
        ("ss", "ss"),
        ("ss_error", "ss_error"),
        ("ss_subjects", "ss_subjects"),
        ("df_uncorrected", "df"),
        ("df2_uncorrected", "df2"),
        ("statistic", "F"),
        ("p_uncorrected", "p"),
        ("effect_size", "pes"),
        ("generalized_eta2", "ges"),
        ("ci_low", "pes_ci_low"),
        ("ci_high", "pes_ci_high"),
        ("n", "n"),
        ("n_missing", "n_missing"),
    ]:
        assert values[key] == close(expected[r_key]), key
    assert values["ci_low"] == close(expected["effectsize_ci_low"])
    assert values["ci_high"] == close(expected["effectsize_ci_high"])
    assert values["ms"] == close(expected["ss"] / expected["df"])
    assert values["ms_error"] == close(expected["ss_error"] / expected["df2"])
    conditions = list(result.tables["Descriptives"].index)
    assert [values[f"mean[{c}]"] for c in conditions] == close(expected["means"])
    assert [values[f"sd[{c}]"] for c in conditions] == close(expected["sds"])
    assert result.tables["Descriptives"]["M"].tolist() == close(expected["means"])
    normality = result.checks.iloc[1]
    assert normality["statistic"] == close(expected["shapiro_w"])
    assert normality["p"] == close(expected["shapiro_p"])
    if k > 2:
        for key, r_key in [
            ("epsilon_gg", "gg_eps"),
            ("epsilon_hf", "hf_eps"),
            ("p_gg", "p_gg"),
            ("p_hf", "p_hf"),
            ("mauchly_w", "mauchly_w"),
            ("mauchly_p", "mauchly_p"),
            ("mauchly_chi2", "mauchly_chi2"),
            ("mauchly_df", "mauchly_df"),
        ]:
            assert values[key] == close(expected[r_key]), key
        assert values["mauchly_w"] == close(expected["mauchly_w_afex"])
        assert values["mauchly_p"] == close(expected["mauchly_p_afex"])
        assert values["df_gg"] == close(expected["gg_eps"] * expected["df"])
        assert values["df2_hf"] == close(min(1, expected["hf_eps"]) * expected["df2"])


def test_rm_anova_on_wide_data_matches_afex_and_reads_the_greenhouse_geisser_test() -> None:
    expected = r("rm_wellbeing")
    result = repeated_measures_anova(wellbeing(), TIMES, within="time")

    assert_rm_matches(result, expected, k=4)
    # Mauchly's test fails (p < .001): the headline numbers are the GG-corrected ones.
    assert result.values["correction"] == "Greenhouse-Geisser"
    assert result.values["p"] == close(expected["p_gg"])
    assert result.values["df"] == close(expected["gg_eps"] * 3)
    assert result.values["df2"] == close(expected["gg_eps"] * 66)
    corrections = result.tables["Sphericity corrections"]
    assert corrections.loc["Huynh-Feldt", "p"] == close(expected["p_hf"])
    assert corrections.loc["Greenhouse-Geisser", "ε"] == close(expected["gg_eps"])
    mauchly = result.tables["Mauchly's test of sphericity"].loc["time"]
    assert mauchly["χ²"] == close(expected["mauchly_chi2"])
    sphericity = result.checks.iloc[0]
    assert not sphericity["passed"]
    assert sphericity["alternative"] == "friedman"
    assert "read the Greenhouse-Geisser-corrected test (ε = .63)" in sphericity["verdict"]


def test_rm_anova_when_sphericity_holds_reads_the_uncorrected_test() -> None:
    expected = r("rm_ratings")
    result = repeated_measures_anova(ratings(), VERSIONS)

    assert_rm_matches(result, expected, k=3)
    assert result.values["correction"] == "none"
    assert result.values["p"] == close(expected["p"])
    assert result.values["df"] == 2
    assert result.checks.iloc[0]["passed"]
    assert result.report == (
        "A repeated-measures ANOVA showed that the scores differed across the conditions "
        "(rating_plain, rating_photo, rating_video), F(2, 32) = 5.85, p = .007, "
        "partial η² = .27, 95% CI [.03, .48]."
    )


def test_rm_anova_with_two_conditions_needs_no_sphericity() -> None:
    expected = r("rm_two")
    result = repeated_measures_anova(wellbeing(), TIMES[:2])

    assert_rm_matches(result, expected, k=2)
    assert "Mauchly's test of sphericity" not in result.tables
    assert result.checks.iloc[0]["verdict"] == (
        "Not needed: with two conditions sphericity always holds."
    )
    assert result.values["p"] == close(expected["p"])


def test_rm_anova_on_long_data_equals_wide_data() -> None:
    frame = wellbeing()
    wide = repeated_measures_anova(frame, TIMES, within="time")
    long = repeated_measures_anova(
        as_long(frame, TIMES), outcome="wellbeing", within="time", subject="id"
    )

    for key in ["statistic", "p", "effect_size", "ci_low", "mauchly_p", "epsilon_hf", "n"]:
        assert long.values[key] == close(wide.values[key]), key
    assert long.values["n_missing"] == 2
    assert long.notes[0] == (
        "N = 23 people. 2 people with a missing value in wellbeing (or without a row for a "
        "level of time) were left out (listwise)."
    )
    assert long.values["mean[wellbeing_t3]"] == close(r("rm_wellbeing")["means"][2])


def test_rm_anova_shows_apa_numbers_and_the_corrected_write_up() -> None:
    result = repeated_measures_anova(wellbeing(), TIMES, within="time")
    text = str(result)
    page = result._repr_html_()

    assert result.report == (
        "Mauchly's test indicated that sphericity was violated, W = .26, p < .001; with a "
        "Greenhouse-Geisser correction (ε = .63), a repeated-measures ANOVA showed that the "
        "scores differed across time (wellbeing_t1, wellbeing_t2, wellbeing_t3, "
        "wellbeing_t4), F(1.89, 41.68) = 16.44, p < .001, partial η² = .43, 95% CI [.24, .56]."
    )
    assert "F(1.89, 41.68) = 16.44" in page
    shown = result.shown_tables()
    assert shown["Repeated-measures ANOVA"].loc["time"].tolist() == [
        "37.64", "3", "12.55", "16.44", "< .001", ".43", ".24", ".56", ".25"
    ]  # fmt: skip
    assert shown["Repeated-measures ANOVA"].loc["Residual", "F"] == "–"
    assert shown["Sphericity corrections"].loc["Greenhouse-Geisser"].tolist() == [
        ".63", "1.89", "41.68", "16.44", "< .001"
    ]  # fmt: skip
    assert "N = 23 people. 2 people with a missing value in wellbeing_t1 or wellbeing_t3" in text
    assert "Huynh-Feldt" in text


# — mixed ANOVA —


def test_mixed_anova_matches_afex_type_iii_with_unequal_groups() -> None:
    expected = r("mixed_wellbeing")
    result = mixed_anova(wellbeing(), TIMES, between="programme")
    values = result.values

    for term in ["programme", "condition", "programme:condition"]:
        want = expected[term]
        assert values[f"ss[{term}]"] == close(want["ss"]), term
        assert values[f"ss_error[{term}]"] == close(want["ss_error"]), term
        assert values[f"df[{term}]"] == close(want["df"]), term
        assert values[f"df2[{term}]"] == close(want["df2"]), term
        assert values[f"F[{term}]"] == close(want["F"]), term
        assert values[f"p[{term}]"] == close(want["p"]), term
        assert values[f"partial_eta2[{term}]"] == close(want["pes"]), term
        assert values[f"generalized_eta2[{term}]"] == close(want["ges"]), term
        assert values[f"ci_low[{term}]"] == close(want["pes_ci_low"]), term
        assert values[f"ci_high[{term}]"] == close(want["pes_ci_high"]), term
        assert values[f"ci_high[{term}]"] == close(want["effectsize_ci_high"]), term
        if term != "programme":
            assert values[f"p_gg[{term}]"] == close(want["p_gg"]), term
            assert values[f"p_hf[{term}]"] == close(want["p_hf"]), term
            assert values["epsilon_gg"] == close(want["gg_eps"])
            assert values["epsilon_hf"] == close(want["hf_eps"])
            assert values["mauchly_w"] == close(want["mauchly_w"])
    assert values["mauchly_p"] == close(expected["mauchly_p"])
    assert values["mauchly_chi2"] == close(expected["mauchly_chi2"])
    assert values["mauchly_df"] == expected["mauchly_df"]
    assert values["n"] == expected["n"]
    assert values["n_missing"] == expected["n_missing"]
    # the headline is the interaction, GG-corrected because sphericity fails
    assert values["p"] == close(expected["programme:condition"]["p_gg"])
    assert values["effect_size"] == close(expected["programme:condition"]["pes"])
    cells = np.array(expected["cell_means"])
    for j, group in enumerate(PROGRAMMES.values()):
        assert values[f"n[{group}]"] == expected["group_n"][j]
        for c, time in enumerate(TIMES):
            assert values[f"mean[{group}:{time}]"] == close(cells[j, c])
    checks = result.checks.set_index("check")
    for c, time in enumerate(TIMES):
        levene = checks.loc[f"Equal variances of {time} across programme (Levene, median-centred)"]
        assert levene["statistic"] == close(expected["levene_F"][c])
        assert levene["p"] == close(expected["levene_p"][c])
    normality = checks.loc["Normality of the residuals (Shapiro-Wilk)"]
    assert normality["statistic"] == close(expected["shapiro_w"])
    assert normality["p"] == close(expected["shapiro_p"])


def test_mixed_anova_on_long_data_and_with_groups_chosen() -> None:
    frame = wellbeing()
    long = mixed_anova(
        as_long(frame, TIMES), between="programme", outcome="wellbeing", within="time", subject="id"
    )
    assert long.values["F[programme:time]"] == close(
        r("mixed_wellbeing")["programme:condition"]["F"]
    )
    assert list(long.tables["Descriptives"].index[:2]) == [
        ("Psychology", "wellbeing_t1"),
        ("Psychology", "wellbeing_t2"),
    ]

    two = mixed_anova(frame, TIMES, between="programme", groups="Economics, Psychology")
    assert list(two.tables["Descriptives"].index.get_level_values(0).unique()) == [
        "Economics",
        "Psychology",
    ]
    assert two.values["df[programme]"] == 1
    assert two.notes[0].endswith("9 people in other groups of programme were not used.")


def test_mixed_anova_report_and_display() -> None:
    result = mixed_anova(wellbeing(), TIMES, between="programme", within="time")

    assert result.report == (
        "Mauchly's test indicated that sphericity was violated, W = .22, p < .001; with a "
        "Greenhouse-Geisser correction (ε = .61), a mixed ANOVA of the scores with programme "
        "(between subjects) and time (wellbeing_t1, wellbeing_t2, wellbeing_t3, wellbeing_t4) "
        "(within subjects) showed no significant main effect of programme, F(2, 20) = 2.11, "
        "p = .148, partial η² = .17, 95% CI [.00, .43]; a significant main effect of time, "
        "F(1.82, 36.37) = 14.67, p < .001, partial η² = .42, 95% CI [.22, .56]; and no "
        "significant interaction, F(3.64, 36.37) = 0.39, p = .795, partial η² = .04, "
        "95% CI [.00, .07]."
    )
    shown = result.shown_tables()["Mixed ANOVA"]
    assert list(shown.index) == [
        "programme",
        "Residual (between)",
        "time",
        "programme:time",
        "Residual (within)",
    ]
    assert shown.loc["programme:time", "p"] == ".880"
    assert "Psychology × wellbeing_t1" in str(result)
    assert "Type III sums of squares" in result._repr_html_()


# — Friedman —


@pytest.mark.parametrize(
    ("case", "data", "measures"),
    [("friedman_ratings", ratings, VERSIONS), ("friedman_wellbeing", wellbeing, TIMES)],
)
def test_friedman_matches_friedman_test_and_rstatix(
    case: str, data: Any, measures: list[str]
) -> None:
    expected = r(case)
    result = friedman(data(), measures)
    values = result.values

    assert values["statistic"] == close(expected["chi2"])
    assert values["df"] == expected["df"]
    assert values["p"] == close(expected["p"])
    assert values["effect_size"] == close(expected["kendalls_w"])
    assert values["n"] == expected["n"]
    assert values["n_missing"] == expected["n_missing"]
    assert [values[f"median[{m}]"] for m in measures] == close(expected["medians"])
    assert [values[f"q1[{m}]"] for m in measures] == close(expected["q1"])
    assert [values[f"q3[{m}]"] for m in measures] == close(expected["q3"])


def test_friedman_display_and_long_data() -> None:
    result = friedman(ratings(), VERSIONS)
    assert result.report == (
        "A Friedman test showed that the scores differed across the conditions (rating_plain, "
        "rating_photo, rating_video), χ²(2, N = 17) = 9.24, p = .010, Kendall's W = .27."
    )
    assert result.shown_tables()["Friedman test"].iloc[0].tolist() == [
        "9.24", "2", ".010", ".27", "17"
    ]  # fmt: skip
    long = friedman(as_long(wellbeing(), TIMES), outcome="wellbeing", within="time", subject="id")
    assert long.values["statistic"] == close(r("friedman_wellbeing")["chi2"])


# — what users get wrong —


def refused(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(AnalysisError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def test_bad_input_is_refused_in_words() -> None:
    frame = wellbeing()
    assert refused(repeated_measures_anova, frame) == (
        "Say which data to analyse: the measures (wide data: one column per condition, e.g. "
        "measures=['wellbeing_t1', 'wellbeing_t2']) or outcome, within and subject (long "
        "data: one row per person and condition)."
    )
    assert refused(repeated_measures_anova, frame, ["wellbeing_t1"]).startswith(
        "Choose at least two measures"
    )
    assert refused(repeated_measures_anova, frame, ["wellbeing_t1", "wellbeing_t9"]).startswith(
        "There is no column 'wellbeing_t9' in this table."
    )
    assert refused(repeated_measures_anova, frame, ["wellbeing_t1", "wellbeing_t1"]) == (
        "'wellbeing_t1' is chosen twice; choose each measure once."
    )
    texts = frame.assign(wellbeing_t2=frame["wellbeing_t2"].astype(str).replace("4.27", "n/a"))
    assert "'wellbeing_t2' holds text ('n/a'" in refused(repeated_measures_anova, texts, TIMES[:2])
    constant = frame.assign(wellbeing_t1=4.0, wellbeing_t2=4.0)
    assert "no variation to analyse" in refused(repeated_measures_anova, constant, TIMES[:2])
    shifted = frame.assign(wellbeing_t2=frame["wellbeing_t1"] + 1)
    assert refused(repeated_measures_anova, shifted, TIMES[:2]).startswith(
        "Every person changes by exactly the same amount between conditions"
    )
    assert refused(repeated_measures_anova, frame.head(1), TIMES) == (
        "Only 1 person has a value in every condition; this analysis needs at least 2."
    )


def test_long_data_mistakes_are_refused_in_words() -> None:
    long = as_long(wellbeing(), TIMES)
    doubled = pd.concat([long, long.head(1)])
    first = long.iloc[0]
    assert refused(
        repeated_measures_anova, doubled, outcome="wellbeing", within="time", subject="id"
    ) == (
        f"'id' {first['id']} has more than one row for 'time' = {first['time']!r}; each person "
        "needs one value per condition. Average the repeated rows first, or check the subject "
        "column."
    )
    one_level = long[long["time"] == "wellbeing_t1"]
    assert refused(
        repeated_measures_anova, one_level, outcome="wellbeing", within="time", subject="id"
    ).startswith("'time' has only 1 level with data ('wellbeing_t1')")
    moved = long.copy()
    moved.loc[moved.index[0], "programme"] = 3 if first["programme"] != 3 else 1
    assert "a between-subjects factor has one value per person" in refused(
        mixed_anova, moved, between="programme", outcome="wellbeing", within="time", subject="id"
    )


def test_mixed_and_friedman_mistakes_are_refused_in_words() -> None:
    frame = wellbeing()
    assert refused(mixed_anova, frame, TIMES, between="programme", groups=["Psychology"]) == (
        "'programme' has only 1 group with complete data ('Psychology'); a mixed ANOVA needs "
        "at least two groups. With one group, use repeated_measures_anova."
    )
    assert refused(mixed_anova, frame, TIMES, between="programme", groups="Psychology, Law") == (
        "'programme' has no group 'Law' with data; its groups are 'Psychology', 'Sociology', "
        "'Economics'."
    )
    tiny = frame[(frame["programme"] != 3) | (frame["id"] == 119)]
    assert refused(mixed_anova, tiny, TIMES, between="programme") == (
        "The group 'Economics' of 'programme' has 1 person(s) with complete data; each group "
        "needs at least 2."
    )
    assert refused(friedman, frame, TIMES[:2]) == (
        "The Friedman test compares three or more conditions; for two, use "
        "wilcoxon_signed_rank (or sign_test)."
    )
    same = frame.assign(wellbeing_t2=frame["wellbeing_t1"], wellbeing_t3=frame["wellbeing_t1"])
    assert refused(friedman, same, TIMES[:3]) == (
        "Every person has the same value in every condition, so there are no differences to rank."
    )
