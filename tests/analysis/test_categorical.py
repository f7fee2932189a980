"""The tests on counts of categories (datadive.analysis.frequencies.categorical): every number
against R 4.2.2 (tests/analysis/reference/categorical.R, run on the same CSV files):
stats::chisq.test, stats::fisher.test, stats::mcnemar.test, stats::binom.test, effectsize 0.8.3
cramers_v / phi, rstatix::cochran_qtest."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    chi_square_independence,
    cochrans_q,
    fisher_exact,
    mcnemar,
    set_column_info,
)
from datadive.analysis.frequencies.exact_enumeration import fisher_rxc_p
from tests.support.r_reference import close, r_value, reference_data

PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}


def r(key: str) -> object:
    return r_value("categorical", key)


@pytest.fixture
def survey() -> pd.DataFrame:
    frame = reference_data("categorical_survey")
    set_column_info(frame, "programme", measurement="nominal", value_labels=PROGRAMMES)
    return frame


@pytest.fixture
def paired() -> pd.DataFrame:
    return reference_data("categorical_paired")


def table_from_counts(counts: list[list[int]]) -> pd.DataFrame:
    """One row per case of a table of counts: rows r0, r1 … by columns c0, c1 …"""
    rows, columns = [], []
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            rows += [f"r{i}"] * count
            columns += [f"c{j}"] * count
    return pd.DataFrame({"row": rows, "column": columns})


# ---- chi-square test of independence --------------------------------------------------------


def test_chi_square_matches_r_chisq_test_and_effectsize_cramers_v(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "programme", "gender")
    values = result.values

    assert values["statistic"] == close(r("rxc_chi2"))  # R 4.2.2 stats::chisq.test
    assert values["df"] == r("rxc_df") == 2
    assert values["p"] == close(r("rxc_p"))
    assert values["n"] == r("rxc_n") == 93
    assert values["n_missing"] == 3
    assert values["effect_size_name"] == "V"
    assert values["effect_size"] == close(r("rxc_v"))  # effectsize::cramers_v(adjust = FALSE,
    assert values["ci_low"] == close(r("rxc_v_low"))  # alternative = "two.sided")
    assert values["ci_high"] == close(r("rxc_v_high"))
    observed = result.tables["Observed counts"]
    assert list(observed.index) == ["Psychology", "Sociology", "Economics", "Total"]
    assert list(observed.columns) == ["female", "male", "Total"]
    assert observed.iloc[:3, :2].to_numpy().ravel().tolist() == r("rxc_observed")
    assert observed.loc["Total", "Total"] == 93
    expected = result.tables["Expected counts"].to_numpy().ravel()
    assert expected == pytest.approx(r("rxc_expected"), rel=1e-9)  # chisq.test()$expected
    residuals = result.tables["Standardized residuals"].to_numpy().ravel()
    assert residuals == pytest.approx(r("rxc_stdres"), rel=1e-9)  # chisq.test()$stdres
    main = result.tables["Chi-square test"]
    assert main.loc["Pearson χ²", "χ²"] == close(r("rxc_chi2"))
    assert main.loc["Pearson χ²", "V"] == close(r("rxc_v"))


def test_chi_square_shows_apa_numbers_and_a_write_up(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "programme", "gender")
    text, page = str(result), result._repr_html_()

    expected = (
        "A chi-square test of independence showed that programme and gender were related, "
        "χ²(2, N = 93) = 30.96, p < .001, V = .58, 95% CI [.36, .77]."
    )
    assert result.report == expected
    assert expected in text
    assert "χ²(2, N = 93) = 30.96" in page
    assert "N = 93. 3 rows with a missing value in programme or gender were left out" in text
    shown = result.shown_tables()["Chi-square test"]
    assert shown.loc["Pearson χ²"].tolist() == ["30.96", "2", "< .001", "93", ".58", ".36", ".77"]
    assert result.shown_tables()["Observed counts"].loc["Psychology"].tolist() == ["30", "5", "35"]
    assert result.shown_tables()["Standardized residuals"].loc["Economics", "female"] == "−4.97"


def test_a_2x2_table_reports_phi_from_the_uncorrected_chi_square(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "smoker", "passed")

    assert result.values["statistic"] == close(r("two_chi2"))  # chisq.test(correct = FALSE)
    assert result.values["p"] == close(r("two_p"))
    assert result.values["effect_size_name"] == "φ"
    assert result.values["effect_size"] == close(r("two_phi"))  # effectsize::phi
    assert result.values["ci_low"] == close(r("two_phi_low"))
    assert result.values["ci_high"] == close(r("two_phi_high"))
    assert result.values["yates"] is False
    assert list(result.tables["Chi-square test"].index) == ["Pearson χ²"]
    assert "with Yates" not in result.report


def test_yates_correction_is_applied_only_when_asked_and_labelled(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "smoker", "passed", yates=True)

    assert result.values["statistic"] == close(r("two_yates_chi2"))  # chisq.test(correct = TRUE)
    assert result.values["p"] == close(r("two_yates_p"))
    assert result.values["chi2_uncorrected"] == close(r("two_chi2"))
    assert result.values["effect_size"] == close(r("two_phi"))  # from the uncorrected χ²
    assert result.values["yates"] is True
    assert list(result.tables["Chi-square test"].index) == [
        "Pearson χ² (Yates' continuity correction)"
    ]
    assert (
        "χ² with Yates' continuity correction; φ is computed from the uncorrected χ² (7.69)."
        in (result.notes)
    )
    assert result.report.startswith(
        "A chi-square test of independence with Yates' continuity correction showed that smoker "
        "and passed were related, χ²(1, N = 95) = 6.45, p = .011, φ = .28, 95% CI [.08, .49]"
    )
    assert result.report.endswith("(φ from the uncorrected χ²).")


def test_yates_is_not_applied_to_larger_tables_and_the_note_says_so(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "programme", "gender", yates=True)

    assert result.values["statistic"] == close(r("rxc_chi2"))
    assert result.values["yates"] is False
    assert "Yates' continuity correction applies to 2 × 2 tables only; not applied." in (
        result.notes
    )


def test_the_expected_counts_check_passes_and_fails_by_cochrans_rule(survey: pd.DataFrame) -> None:
    good = chi_square_independence(survey, "programme", "gender").checks.iloc[0]
    assert good["passed"] is True or good["passed"] == True  # noqa: E712 - a pandas bool
    assert "0 of 6 expected counts (0%) are below 5, the smallest is 10.58" in good["verdict"]

    small = reference_data("categorical_small")
    result = chi_square_independence(small, "programme", "grade")
    check = result.checks.iloc[0]
    assert result.tables["Expected counts"].to_numpy().ravel() == pytest.approx(
        r("small_chi2_expected"), rel=1e-9
    )
    assert not check["passed"]
    assert check["alternative"] == "fisher_exact"
    assert "9 of 9 expected counts (100%) are below 5" in check["verdict"]
    assert "Use an exact test." in check["verdict"]
    assert "fisher_exact" in str(result)


def test_a_labelled_column_shows_its_labels_in_its_order(survey: pd.DataFrame) -> None:
    result = chi_square_independence(survey, "gender", "programme")

    assert list(result.tables["Observed counts"].columns) == [*PROGRAMMES.values(), "Total"]
    assert result.values["statistic"] == close(r("rxc_chi2"))


# ---- Fisher's exact test --------------------------------------------------------------------


def test_fisher_2x2_matches_r_fisher_test(survey: pd.DataFrame) -> None:
    result = fisher_exact(survey, "smoker", "passed")

    assert result.values["p"] == close(r("fisher2_p"))  # stats::fisher.test
    # The conditional MLE and its exact CI, by their definitions solved to 1e-13 in R (the
    # noncentral hypergeometric with stats::dhyper and uniroot; categorical.R) …
    assert result.values["effect_size"] == close(r("fisher2_or_precise"))
    assert result.values["ci_low"] == close(r("fisher2_or_low_precise"))
    assert result.values["ci_high"] == close(r("fisher2_or_high_precise"))
    # … and fisher.test's own, which uniroot solves to its default tolerance (about 1e-4)
    for key, name in (("effect_size", "fisher2_or"), ("ci_low", "fisher2_or_low")):
        assert result.values[key] == pytest.approx(r(name), rel=2e-4)
    assert result.values["ci_high"] == pytest.approx(r("fisher2_or_high"), rel=2e-4)
    assert result.values["n"] == r("two_n")
    assert result.values["n_missing"] == 1
    assert result.report == (
        "Fisher's exact test showed that smoker and passed were related, p = .009, OR = 0.29, "
        "95% CI [0.10, 0.78]."
    )
    assert "OR: the odds of passed = 0 (rather than 1) when smoker = no" in result.notes[1]


def test_fisher_2x2_odds_ratio_matches_r_on_a_large_table() -> None:
    result = fisher_exact(table_from_counts([[5200, 4900], [4800, 5100]]), "row", "column")

    assert result.values["p"] == close(r("fisher_large_p"))  # stats::fisher.test
    assert result.values["effect_size"] == close(r("fisher_large_or"))  # definition, in R
    assert result.values["ci_low"] == close(r("fisher_large_or_low"))
    assert result.values["ci_high"] == close(r("fisher_large_or_high"))


def test_fisher_r_by_c_is_exact_and_matches_r(survey: pd.DataFrame) -> None:
    result = fisher_exact(reference_data("categorical_small"), "programme", "grade")

    assert result.values["p"] == close(r("fisher_rxc_p"))  # stats::fisher.test (FEXACT)
    assert result.values["n"] == r("fisher_rxc_n")
    assert result.values["method"] == "exact (every table with these margins)"
    assert "effect_size" not in result.values
    assert "p = .020" in result.report


def test_the_enumeration_agrees_with_r_on_a_2x2_table() -> None:
    counts = np.array(r("two_observed")).reshape(2, 2)
    assert fisher_rxc_p(counts) == close(r("fisher2_p"))  # stats::fisher.test


def test_fisher_estimates_p_when_there_are_too_many_tables_to_enumerate() -> None:
    counts = [[26, 22, 13, 12], [14, 22, 16, 18], [12, 13, 20, 25]]
    result = fisher_exact(table_from_counts(counts), "row", "column")

    assert result.values["method"] == "Monte Carlo (100,000 random tables)"
    # an estimate: within 4 standard errors of R's exact p (fisher.test, network algorithm),
    # the Monte Carlo error of 100,000 tables
    exact = r("fisher_big_p")
    assert 0.01 < exact < 0.05
    assert result.values["p"] == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 1e5))
    assert any("too many tables with these margins" in note for note in result.notes)


def test_fisher_with_a_zero_cell_shows_an_infinite_odds_ratio() -> None:
    result = fisher_exact(table_from_counts([[6, 0], [2, 5]]), "row", "column")
    assert result.values["effect_size"] == np.inf
    assert "OR = ∞, 95% CI [" in result.report


# ---- McNemar's test -------------------------------------------------------------------------


def test_mcnemar_uses_the_corrected_chi_square_with_25_or_more_changes(
    paired: pd.DataFrame,
) -> None:
    result = mcnemar(paired, "before", "after")
    values = result.values

    assert values["statistic"] == close(r("mcnemar_chi2"))  # stats::mcnemar.test
    assert values["p"] == close(r("mcnemar_p"))
    assert values["df"] == 1
    assert values["n"] == r("mcnemar_n")
    assert (values["b"], values["c"]) == (r("mcnemar_b"), r("mcnemar_c"))
    assert values["effect_size"] == close(r("mcnemar_or"))
    assert values["ci_low"] == close(r("mcnemar_or_low"))  # binom.test()$conf.int as odds
    assert values["ci_high"] == close(r("mcnemar_or_high"))
    assert values["method"] == "chi-square with continuity correction"
    counts = result.tables["Paired counts"]
    assert counts.iloc[:2, :2].to_numpy().ravel().tolist() == r("mcnemar_table")
    assert list(counts.index) == ["no", "yes", "Total"]
    assert result.report == (
        "McNemar's test showed that the share of yes changed from before (41.2%) to after "
        "(52.9%), χ²(1, N = 119) = 4.97, p = .026, OR = 2.40, 95% CI [1.11, 5.62]."
    )
    assert "b = 24 pairs went from no to yes, c = 10 from yes to no." in result.notes[1]


def test_mcnemar_is_exact_with_fewer_than_25_changes(paired: pd.DataFrame) -> None:
    result = mcnemar(paired, "week1", "week2")
    values = result.values

    assert values["p"] == close(r("mcnemar_exact_p"))  # stats::binom.test
    assert values["method"] == "exact binomial"
    assert "statistic" not in values
    assert (values["b"], values["c"]) == (r("mcnemar_exact_b"), r("mcnemar_exact_c"))
    assert values["effect_size"] == close(r("mcnemar_exact_or"))
    assert values["ci_low"] == close(r("mcnemar_exact_or_low"))
    assert values["ci_high"] == close(r("mcnemar_exact_or_high"))
    assert list(result.tables["McNemar's test"].index) == ["Exact binomial test"]
    assert "exact binomial test on the 14 changed pairs, p = .180" in result.report
    assert "the exact binomial test is used" in result.notes[1]


def test_mcnemar_reads_labelled_codes_as_their_labels(paired: pd.DataFrame) -> None:
    coded = paired.assign(
        before=paired["before"].map({"no": 0, "yes": 1}),
        after=paired["after"].map({"no": 0, "yes": 1}),
    )
    for column in ("before", "after"):
        set_column_info(coded, column, measurement="nominal", value_labels={0: "no", 1: "yes"})
    result = mcnemar(coded, "before", "after")

    assert result.values["statistic"] == close(r("mcnemar_chi2"))
    assert list(result.tables["Paired counts"].columns) == ["no", "yes", "Total"]


# ---- Cochran's Q ----------------------------------------------------------------------------


def test_cochrans_q_matches_rstatix(paired: pd.DataFrame) -> None:
    result = cochrans_q(paired, ["week1", "week2", "week3"])
    values = result.values

    assert values["statistic"] == close(r("cochran_q"))  # rstatix::cochran_qtest
    assert values["df"] == r("cochran_df")
    assert values["p"] == close(r("cochran_p"))
    assert values["n"] == r("cochran_n")
    assert values["n_missing"] == 3
    shares = [values[f"proportion[{c}]"] for c in ("week1", "week2", "week3")]
    assert shares == pytest.approx(r("cochran_proportions"), rel=1e-12)
    assert result.report == (
        "Cochran's Q test showed that the share of 1 differed between the 3 measures, "
        "Q(2, N = 117) = 24.25, p < .001."
    )
    assert result.shown_tables()["Proportions"].loc["week3", "% 1"] == "56.41"


# ---- data that cannot be analysed -----------------------------------------------------------


def test_errors_say_why_in_words(survey: pd.DataFrame, paired: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="There is no column 'gendr' in this table"):
        chi_square_independence(survey, "programme", "gendr")
    with pytest.raises(AnalysisError, match="Choose two different columns"):
        chi_square_independence(survey, "gender", "gender")
    one = survey[survey["gender"] == "female"]
    with pytest.raises(AnalysisError, match=r"'gender' has only one value \('female'\)"):
        fisher_exact(one, "programme", "gender")
    with pytest.raises(AnalysisError, match="'id' has 94 different values; this analysis counts"):
        chi_square_independence(survey, "id", "gender")
    with pytest.raises(AnalysisError, match="must be a table"):
        chi_square_independence([1, 2], "a", "b")  # type: ignore[arg-type]
    empty = survey.assign(gender=None)
    with pytest.raises(AnalysisError, match="No row has a value in both"):
        chi_square_independence(empty, "programme", "gender")


def test_paired_errors_say_why_in_words(survey: pd.DataFrame, paired: pd.DataFrame) -> None:
    three = pd.DataFrame({"a": ["yes", "no", "maybe"], "b": ["yes", "no", "no"]})
    with pytest.raises(AnalysisError, match=r"hold 3 different values \('maybe', 'no', 'yes'\)"):
        mcnemar(three, "a", "b")
    with pytest.raises(AnalysisError, match="No pair changed between 'week1' and 'week1b'"):
        mcnemar(paired.assign(week1b=paired["week1"]), "week1", "week1b")
    with pytest.raises(AnalysisError, match="Choose two different columns"):
        mcnemar(paired, "week1", "week1")
    indicator = pd.DataFrame({"bus": [1, None, 1], "car": [1, 1, None]})
    with pytest.raises(AnalysisError, match="recode the blanks to 0 first"):
        cochrans_q(indicator, ["bus", "car"])
    with pytest.raises(AnalysisError, match="at least two yes/no columns"):
        cochrans_q(paired, ["week1"])
    same = pd.DataFrame({"a": [1, 0, 1], "b": [1, 0, 1], "c": [1, 0, 1]})
    with pytest.raises(AnalysisError, match="Every row gave the same answer in all columns"):
        cochrans_q(same, ["a", "b", "c"])
