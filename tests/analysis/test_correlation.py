"""Correlations, every number checked against R (tests/analysis/reference/correlation.R, run
with R 4.2.2 and psych 2.2.9; the function behind each number is named at its assertion)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    correlation_matrix,
    kendall_tau,
    partial_correlation,
    pearson,
    set_column_info,
    spearman,
)
from tests.support.r_reference import close, r_value, reference_data


def r(key: str) -> Any:
    return r_value("correlation", key)


@pytest.fixture
def survey() -> pd.DataFrame:
    return reference_data("correlation_survey")


@pytest.fixture
def reaction() -> pd.DataFrame:
    return reference_data("correlation_reaction")


# --- Pearson ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "x", "y", "alternative"),
    [
        ("pearson", "sleep", "wellbeing", "two-sided"),
        ("pearson_greater", "sleep", "wellbeing", "greater"),
        ("pearson_less", "sleep", "wellbeing", "less"),
        ("pearson_stress", "stress", "wellbeing", "two-sided"),
    ],
)
def test_pearson_matches_r_cor_test(
    survey: pd.DataFrame, prefix: str, x: str, y: str, alternative: str
) -> None:
    result = pearson(survey, x, y, alternative=alternative)
    values = result.values
    # R 4.2.2, stats::cor.test(method = "pearson"): estimate, statistic, parameter, p.value,
    # conf.int (Fisher's z, one-sided for "greater"/"less")
    assert values["effect_size"] == close(r(f"{prefix}_r"))
    assert values["r"] == close(r(f"{prefix}_r"))
    assert values["statistic"] == close(r(f"{prefix}_t"))
    assert values["df"] == r(f"{prefix}_df")
    assert values["p"] == close(r(f"{prefix}_p"))
    assert [values["ci_low"], values["ci_high"]] == close(r(f"{prefix}_ci"))
    assert values["n"] == r(f"{prefix}_n")
    assert values["n_missing"] == r(f"{prefix}_n_missing")
    assert values["statistic_name"] == "t"
    assert values["effect_size_name"] == "r"
    assert values["alternative"] == alternative
    table = result.tables["Pearson correlation"]
    assert table.loc[f"{x} – {y}", "r"] == close(r(f"{prefix}_r"))
    assert table.loc[f"{x} – {y}", "p"] == close(r(f"{prefix}_p"))
    # R 4.2.2, stats::shapiro.test on each column's values in the complete pairs
    checks = result.checks.set_index("check")
    for column, key in ((x, "x"), (y, "y")):
        row = checks.loc[f"Normality of {column} (Shapiro-Wilk)"]
        assert [row["statistic"], row["p"]] == close(r(f"{prefix}_shapiro_{key}"))


def test_pearson_shows_the_apa_numbers_and_write_up(survey: pd.DataFrame) -> None:
    result = pearson(survey, "sleep", "wellbeing")
    assert result.report == (
        "A Pearson correlation showed that sleep and wellbeing were positively correlated, "
        "r(30) = .72, p < .001, 95% CI [.50, .85]."
    )
    negative = pearson(survey, "stress", "wellbeing")
    assert "were negatively correlated, r(30) = −.46, p = .008, 95% CI [−.70, −.14]." in str(
        negative
    )
    text, page = str(result), result._repr_html_()
    for shown in (text, page):
        assert "N = 32. 2 rows with a missing value in sleep or wellbeing were left out" in shown
        assert "A positive r: higher sleep goes with higher wellbeing." in shown
    assert "sleep – wellbeing  32  .72        .50         .85  5.69  30  < .001" in text
    assert "<td>.72</td>" in page


def test_a_one_sided_pearson_says_so(survey: pd.DataFrame) -> None:
    result = pearson(survey, "sleep", "wellbeing", alternative="greater")
    assert "p < .001, one-sided, 95% CI [.54, 1.00]" in result.report
    assert "the alternative hypothesis is a positive correlation" in str(result)


def test_a_non_normal_column_suggests_spearman() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"income": rng.lognormal(0, 1.2, 80), "age": rng.normal(40, 9, 80)})
    checks = pearson(frame, "income", "age").checks.set_index("check")
    income = checks.loc["Normality of income (Shapiro-Wilk)"]
    assert not bool(income["passed"])
    assert income["alternative"] == "spearman"
    assert bool(checks.loc["Normality of age (Shapiro-Wilk)", "passed"])


# --- Spearman -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "x", "alternative"),
    [
        ("spearman", "sleep", "two-sided"),
        ("spearman_greater", "sleep", "greater"),
        ("spearman_stress", "stress", "two-sided"),
    ],
)
def test_spearman_matches_r(survey: pd.DataFrame, prefix: str, x: str, alternative: str) -> None:
    values = spearman(survey, x, "wellbeing", alternative=alternative).values
    # R 4.2.2, stats::cor.test(method = "spearman", exact = FALSE): estimate, p.value
    assert values["effect_size"] == close(r(f"{prefix}_rho"))
    assert values["rho"] == close(r(f"{prefix}_rho"))
    assert values["p"] == close(r(f"{prefix}_p"))
    # t = ρ √((n − 2)/(1 − ρ²)) and the Bonett & Wright (2000) CI, computed in R from their
    # definitions (R has no function for them)
    assert values["statistic"] == close(r(f"{prefix}_t"))
    assert [values["ci_low"], values["ci_high"]] == close(r(f"{prefix}_ci"))
    assert values["n"] == r(f"{prefix}_n")
    assert values["df"] == r(f"{prefix}_n") - 2
    assert values["p_method"] == "t approximation"


def test_spearman_without_a_significant_correlation_says_so(survey: pd.DataFrame) -> None:
    result = spearman(survey, "stress", "wellbeing")
    assert result.report == (
        "A Spearman correlation showed no significant correlation between stress and "
        "wellbeing, ρ(30) = −.34, p = .060, 95% CI [−.62, .02]."
    )
    assert "t approximation" in str(result)


# --- Kendall ------------------------------------------------------------------------------


def test_kendall_with_ties_matches_r(survey: pd.DataFrame) -> None:
    result = kendall_tau(survey, "sleep", "wellbeing")
    values = result.values
    # R 4.2.2, stats::cor.test(method = "kendall"): estimate (τb, = stats::cor(method =
    # "kendall") and τb from its definition in R), statistic z (ties), p.value
    assert values["tau_b"] == close(r("kendall_tau"))
    assert values["tau_b"] == close(r("kendall_tau_definition"))
    assert values["effect_size"] == close(r("kendall_tau_cor"))
    assert r("kendall_statistic_name") == "z"
    assert values["statistic_name"] == "z"
    assert values["statistic"] == close(r("kendall_statistic"))
    assert values["z"] == close(r("kendall_statistic"))
    assert values["p"] == close(r("kendall_p"))
    assert values["p_method"] == "normal approximation"
    # Fisher's z CI with SE √(.437/(n − 4)), computed in R from its definition
    assert [values["ci_low"], values["ci_high"]] == close(r("kendall_ci"))
    assert "df" not in values
    assert "τb = .58, p < .001, 95% CI [.40, .72]" in result.report


@pytest.mark.parametrize(
    ("prefix", "alternative"), [("kendall_exact", "two-sided"), ("kendall_exact_less", "less")]
)
def test_kendall_without_ties_is_exact_as_in_r(
    reaction: pd.DataFrame, prefix: str, alternative: str
) -> None:
    # 41 pairs without ties: R's cor.test gives the exact p (SciPy's "auto" would not, above 33)
    result = kendall_tau(reaction, "reaction_ms", "accuracy", alternative=alternative)
    values = result.values
    # R 4.2.2, stats::cor.test(method = "kendall"): estimate, statistic T, exact p.value
    assert values["effect_size"] == close(r(f"{prefix}_tau"))
    assert r(f"{prefix}_statistic_name") == "T"
    assert values["statistic_name"] == "T"
    assert values["statistic"] == r(f"{prefix}_statistic")
    assert values["p"] == close(r(f"{prefix}_p"))
    assert [values["ci_low"], values["ci_high"]] == close(r(f"{prefix}_ci"))
    assert values["n"] == r(f"{prefix}_n") == 41
    assert values["p_method"] == "exact"
    assert "p is exact" in str(result)
    assert "  273  " in str(result)  # T, a count of concordant pairs


# --- Partial correlation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "x", "y", "controls"),
    [
        ("partial", "sleep", "wellbeing", ["stress", "age"]),
        ("partial_one", "wellbeing", "stress", "sleep"),
    ],
)
def test_partial_correlation_matches_psych(
    survey: pd.DataFrame, prefix: str, x: str, y: str, controls: Any
) -> None:
    result = partial_correlation(survey, x, y, controls=controls)
    values = result.values
    # R 4.2.2, psych 2.2.9: psych::partial.r (= stats::cor of two stats::lm residuals)
    assert values["effect_size"] == close(r(f"{prefix}_r"))
    assert values["effect_size"] == close(r(f"{prefix}_r_residuals"))
    # psych::corr.p(r, n = n − k): t, p and the Fisher z CI; df = n − 2 − k
    assert values["statistic"] == close(r(f"{prefix}_t"))
    assert values["p"] == close(r(f"{prefix}_p"))
    assert [values["ci_low"], values["ci_high"]] == close(r(f"{prefix}_ci"))
    assert values["df"] == r(f"{prefix}_df")
    assert values["n"] == r(f"{prefix}_n")
    assert values["n_missing"] == len(survey) - r(f"{prefix}_n")
    # stats::cor on the same rows
    assert values["r_zero_order"] == close(r(f"{prefix}_r_zero_order"))
    table = result.tables["Partial correlation"]
    assert table.iloc[0]["r (zero-order)"] == close(r(f"{prefix}_r_zero_order"))
    # stats::shapiro.test on the residuals
    checks = result.checks
    assert [checks.loc[0, "statistic"], checks.loc[0, "p"]] == close(r(f"{prefix}_shapiro_x"))
    assert [checks.loc[1, "statistic"], checks.loc[1, "p"]] == close(r(f"{prefix}_shapiro_y"))


def test_partial_correlation_write_up(survey: pd.DataFrame) -> None:
    result = partial_correlation(survey, "sleep", "wellbeing", controls=["stress", "age"])
    assert result.report == (
        "A partial correlation controlling for stress and age showed that sleep and wellbeing "
        "were positively correlated, r(25) = .74, p < .001, 95% CI [.49, .87]."
    )
    text = str(result)
    assert "N = 29. 5 rows with a missing value in sleep, wellbeing, stress or age" in text
    assert "The CI is by Fisher's z with n − k = 27." in text
    assert result.values["controls"] == ["stress", "age"]


def test_partial_correlation_refuses_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="at least one column to control for"):
        partial_correlation(survey, "sleep", "wellbeing", controls=[])
    with pytest.raises(AnalysisError, match="'sleep' is one of the two correlated columns"):
        partial_correlation(survey, "sleep", "wellbeing", controls=["sleep"])
    with pytest.raises(AnalysisError, match="only once"):
        partial_correlation(survey, "sleep", "wellbeing", controls=["age", "age"])
    with pytest.raises(AnalysisError, match="There is no column 'mood'"):
        partial_correlation(survey, "sleep", "wellbeing", controls=["mood"])
    doubled = survey.assign(age_months=survey["age"] * 12)
    with pytest.raises(AnalysisError, match="control columns are redundant"):
        partial_correlation(doubled, "sleep", "wellbeing", controls=["age", "age_months"])
    predicted = survey.assign(rest=survey["stress"] * 2 + 1)
    with pytest.raises(AnalysisError, match="The controls predict 'rest' exactly"):
        partial_correlation(predicted, "rest", "wellbeing", controls=["stress"])
    set_column_info(survey, "programme", measurement="nominal")
    with pytest.raises(AnalysisError, match="'programme' is nominal with 3 categories"):
        partial_correlation(survey, "sleep", "wellbeing", controls=["programme"])
    with pytest.raises(AnalysisError, match=r"only 4 rows .* at least 6"):
        partial_correlation(survey.head(4), "sleep", "wellbeing", controls=["stress", "age"])


# --- Correlation matrix -------------------------------------------------------------------

COLUMNS = ["sleep", "wellbeing", "stress", "age"]
PAIRS = [(a, b) for i, a in enumerate(COLUMNS) for b in COLUMNS[i + 1 :]]


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_correlation_matrix_matches_r(survey: pd.DataFrame, method: str) -> None:
    result = correlation_matrix(survey, COLUMNS, method=method)
    values = result.values
    # R 4.2.2, psych::corr.test(adjust = "none", use = "pairwise"): r, n, p per pair
    # (Kendall: stats::cor.test(method = "kendall") per pair, on its complete rows)
    for index, (a, b) in enumerate(PAIRS):
        assert values[f"r[{a}, {b}]"] == close(r(f"matrix_{method}_r")[index])
        assert values[f"n[{a}, {b}]"] == r(f"matrix_{method}_n")[index]
        assert values[f"p[{a}, {b}]"] == close(r(f"matrix_{method}_p")[index])
    pairs = result.tables["Pairs"]
    symbol = {"pearson": "r", "spearman": "ρ", "kendall": "τb"}[method]
    assert pairs[symbol].tolist() == close(r(f"matrix_{method}_r"))
    assert pairs["p"].tolist() == close(r(f"matrix_{method}_p"))
    assert pairs["n"].tolist() == r(f"matrix_{method}_n")
    # base::mean, stats::sd of each column's values
    table = result.tables["Correlations"]
    assert table["M"].tolist() == close(r("matrix_mean"))
    assert table["SD"].tolist() == close(r("matrix_sd"))
    assert [values[f"mean[{c}]"] for c in COLUMNS] == close(r("matrix_mean"))
    assert [values[f"sd[{c}]"] for c in COLUMNS] == close(r("matrix_sd"))
    assert table.loc["2. wellbeing", "1"] == close(r(f"matrix_{method}_r")[0])
    assert list(table.columns) == ["n", "M", "SD", "1", "2", "3"]
    assert np.isnan(table.loc["1. sleep", "1"])  # the upper triangle and diagonal stay empty


def test_pearson_matrix_has_fisher_intervals_and_normality_checks(survey: pd.DataFrame) -> None:
    result = correlation_matrix(survey, COLUMNS)
    values = result.values
    # psych::corr.test $ci (Fisher's z, SE 1/√(n − 3))
    lows = [values[f"ci_low[{a}, {b}]"] for a, b in PAIRS]
    highs = [values[f"ci_high[{a}, {b}]"] for a, b in PAIRS]
    assert lows == close(r("matrix_pearson_ci_low"))
    assert highs == close(r("matrix_pearson_ci_high"))
    # stats::shapiro.test of each column's values; stress departs (p = .047) → spearman
    assert result.checks["p"].tolist() == close(r("matrix_shapiro"))
    stress = result.checks.set_index("check").loc["Normality of stress (Shapiro-Wilk)"]
    assert stress["alternative"] == "spearman"


def test_correlation_matrix_shows_pairwise_counts_and_a_heat_map(survey: pd.DataFrame) -> None:
    result = correlation_matrix(survey, COLUMNS)
    text = str(result)
    assert "Pairwise complete: each correlation uses the rows with values in both of its " in text
    assert "(n = 31–32 per pair, of 34 rows)" in text
    assert "not adjusted for multiple comparisons" in text
    assert "2. wellbeing  33   2.79  0.82   .72" in text
    assert "wellbeing – stress  32  −.46       −.70        −.14    .008" in text
    assert result.report == (
        "Pearson correlations of sleep, wellbeing, stress and age (pairwise complete, n = "
        "31–32): the strongest was between sleep and wellbeing, r(30) = .72, p < .001."
    )
    (figure,) = result.figures
    assert [t.get_text() for t in figure.axes.get_xticklabels()] == COLUMNS
    assert [t.get_text() for t in figure.axes.get_yticklabels()] == COLUMNS
    written = [t.get_text() for t in figure.axes.texts]
    assert len(written) == 16
    assert written[1] == ".72"  # sleep × wellbeing, and below the diagonal too
    assert written[4] == ".72"
    assert written[0] == "1.00"
    assert "sleep and wellbeing" not in figure.description
    assert "wellbeing and sleep .72; stress and sleep −.20" in figure.description
    assert figure.png().startswith(b"\x89PNG")


def test_correlation_matrix_marks_pairs_without_enough_rows() -> None:
    frame = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan, np.nan, np.nan],
            "b": [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 7.0, 9.0],
            "c": [np.nan, np.nan, np.nan, np.nan, 1.0, 3.0, 2.0, 5.0],
        }
    )
    result = correlation_matrix(frame, ["a", "b", "c"])
    assert np.isnan(result.values["r[a, c]"])
    assert result.values["n[a, c]"] == 1
    assert "A pair with fewer than 3 rows with both values has no r (–)." in result.notes


def test_correlation_matrix_refuses_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="at least two columns"):
        correlation_matrix(survey, ["sleep"])
    with pytest.raises(AnalysisError, match="at least two columns"):
        correlation_matrix(survey, "sleep")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="only once"):
        correlation_matrix(survey, ["sleep", "sleep"])
    with pytest.raises(AnalysisError, match="method must be 'pearson', 'spearman' or 'kendall'"):
        correlation_matrix(survey, COLUMNS, method="cosine")
    with pytest.raises(AnalysisError, match="'empty' has no values"):
        correlation_matrix(survey.assign(empty=np.nan), ["sleep", "empty"])
    with pytest.raises(AnalysisError, match="'one' has the same value \\(1\\) in every row"):
        correlation_matrix(survey.assign(one=1), ["sleep", "one"])


# --- What every pair analysis refuses, in words --------------------------------------------


@pytest.mark.parametrize("analysis", [pearson, spearman, kendall_tau])
def test_bad_input_is_refused_in_words(survey: pd.DataFrame, analysis: Any) -> None:
    with pytest.raises(AnalysisError, match="There is no column 'mood' in this table"):
        analysis(survey, "mood", "wellbeing")
    with pytest.raises(AnalysisError, match="two different columns to correlate; both are 'sleep'"):
        analysis(survey, "sleep", "sleep")
    texts = survey.assign(name=["Ann"] * len(survey))
    with pytest.raises(AnalysisError, match="'name' holds text \\('Ann'\\), not numbers"):
        analysis(texts, "name", "wellbeing")
    with pytest.raises(AnalysisError, match="only 2 rows of 'sleep' and 'wellbeing'"):
        analysis(survey.head(3).assign(sleep=[6.0, np.nan, 7.0]), "sleep", "wellbeing")
    with pytest.raises(AnalysisError, match="'stress' has the same value \\(5\\) in every row"):
        analysis(survey.assign(stress=5.0), "sleep", "stress")
    with pytest.raises(AnalysisError, match="alternative must be 'two-sided', 'greater'"):
        analysis(survey, "sleep", "wellbeing", alternative="two.sided")
    with pytest.raises(AnalysisError, match="ci_level must lie between 0 and 1"):
        analysis(survey, "sleep", "wellbeing", ci_level=95)


def test_question_texts_are_named_in_the_notes(survey: pd.DataFrame) -> None:
    set_column_info(survey, "sleep", label="How many hours did you sleep last night?")
    result = pearson(survey, "sleep", "wellbeing")
    assert "sleep: How many hours did you sleep last night?" in str(result)


def test_a_perfect_correlation_has_p_zero_and_no_warning() -> None:
    frame = pd.DataFrame({"cm": [150.0, 160.0, 170.0, 180.0, 190.0]})
    frame["inches"] = frame["cm"] / 2.54
    result = pearson(frame, "cm", "inches")
    assert result.values["r"] == pytest.approx(1.0)
    assert result.values["p"] == pytest.approx(0.0, abs=1e-12)
    assert "r(3) = 1.00" in result.report


def test_labelled_ordinal_items_are_correlated_by_their_numbers() -> None:
    frame = pd.DataFrame({"q1": [1, 2, 2, 3, 4, 5, 5, 4], "q2": [2, 2, 3, 3, 5, 4, 5, 5]})
    set_column_info(frame, "q1", measurement="ordinal", value_labels={1: "Never", 5: "Always"})
    # R 4.2.2: cor.test(..., method = "spearman", exact = FALSE)$estimate (correlation.R)
    assert spearman(frame, "q1", "q2").values["rho"] == close(
        r_value("correlation", "spearman_labelled_rho")
    )


@pytest.mark.parametrize(
    ("method", "analysis"),
    [("pearson", "pearson"), ("Spearman", "spearman"), ("kendall", "kendall_tau")],
)
def test_correlation_runs_the_method_a_form_chooses(method: str, analysis: str) -> None:
    from datadive import analysis as library  # noqa: PLC0415

    frame = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6, 7], "b": [2.0, 1, 4, 3, 7, 5, 6]})
    chosen = library.correlation(frame, "a", "b", method=method)
    direct = getattr(library, analysis)(frame, "a", "b")
    assert chosen.values == direct.values
    with pytest.raises(AnalysisError, match="method must be 'pearson', 'spearman' or 'kendall'"):
        library.correlation(frame, "a", "b", method="cosine")
