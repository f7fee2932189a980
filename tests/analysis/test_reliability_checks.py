"""Checks on their own and descriptives by group (`datadive.analysis.checks`), every number
against R 4.2.2 (tests/analysis/reference/reliability.R): `stats::shapiro.test`,
`car::leveneTest` (car 3.1.1), `stats::qqnorm`/`qqline`, `stats::quantile(type = 7)`,
`psych::describeBy` (psych 2.2.9), `stats::t.test` and `stats::IQR`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    Plot,
    group_descriptives,
    levene_test,
    outliers,
    qq_plot,
    set_column_info,
    shapiro_wilk,
)
from tests.support.r_reference import close, r_value, reference_data

PROGRAMMES = ["Psychology", "Sociology", "Education"]


def r(key: str) -> object:
    return r_value("reliability", key)


def rows(key: str) -> list[int]:
    return [int(v) for v in np.atleast_1d(r_value("reliability", key))]


@pytest.fixture
def survey() -> pd.DataFrame:
    frame = reference_data("reliability_survey")
    set_column_info(
        frame,
        "programme",
        measurement="nominal",
        value_labels=dict(enumerate(PROGRAMMES, start=1)),
    )
    return frame


# --- Shapiro-Wilk ---------------------------------------------------------------------------


def test_shapiro_wilk_matches_shapiro_test(survey: pd.DataFrame) -> None:
    result = shapiro_wilk(survey, "wellbeing")
    assert result.values["statistic"] == close(r("sw_wellbeing_W"))  # stats::shapiro.test
    assert result.values["p"] == close(r("sw_wellbeing_p"))
    assert (result.values["n"], result.values["n_missing"]) == (r("sw_wellbeing_n"), 2)
    assert result.report == (
        "A Shapiro-Wilk test showed that wellbeing departs from a normal distribution, "
        "W = .85, p < .001 (N = 58)."
    )
    assert result.checks["passed"].tolist() == [False]


def test_shapiro_wilk_per_group_named_by_labels(survey: pd.DataFrame) -> None:
    result = shapiro_wilk(survey, "reaction", by="programme")
    table = result.tables["Shapiro-Wilk test"]
    assert list(table.index) == PROGRAMMES
    for group in PROGRAMMES:
        key = f"sw_reaction_{group}"
        assert result.values[f"W[{group}]"] == close(r(f"{key}_W"))
        assert result.values[f"p[{group}]"] == close(r(f"{key}_p"))
        assert table.at[group, "n"] == r(f"{key}_n")
    assert "No group departs significantly from a normal distribution." in result.report
    assert "Psychology (n = 21), W = .93, p = .116" in str(result)
    assert result.notes[0] == (
        "N = 58. 2 rows with a missing value in reaction or programme were left out (listwise)."
    )


def test_more_values_than_shapiro_wilk_takes_are_said(survey: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    big = pd.DataFrame({"x": rng.normal(size=6000)})
    result = shapiro_wilk(big, "x")
    assert result.tables["Shapiro-Wilk test"].at["x", "n"] == 6000
    assert "uses the first 5000" in result.notes[1]


# --- Levene ---------------------------------------------------------------------------------


@pytest.mark.parametrize("center", ["median", "mean"])
def test_levene_matches_car_levene_test(survey: pd.DataFrame, center: str) -> None:
    result = levene_test(survey, "wellbeing", "programme", center=center)
    v = result.values
    assert v["statistic"] == close(r(f"levene_{center}_F"))  # car::leveneTest
    assert v["p"] == close(r(f"levene_{center}_p"))
    assert (v["df"], v["df2"]) == (r(f"levene_{center}_df1"), r(f"levene_{center}_df2"))
    spread = result.tables["Spread per group"]
    assert spread["SD"].tolist() == pytest.approx(r("levene_sd"), rel=1e-9)  # stats::sd
    assert list(spread.index) == PROGRAMMES


def test_levene_report_and_check(survey: pd.DataFrame) -> None:
    result = levene_test(survey, "wellbeing", "programme")
    assert result.report == (
        "Levene's test (median-centred, Brown-Forsythe) found no evidence that the variance of "
        "wellbeing differs between the groups of programme, F(2, 54) = 0.50, p = .611."
    )
    assert result.checks["check"].tolist() == ["Equal variances (Levene, median-centred)"]
    assert "p = .611" in result._repr_html_()
    spread = survey.assign(wellbeing=survey["wellbeing"] * np.where(survey["programme"] == 3, 5, 1))
    failed = levene_test(spread, "wellbeing", "programme")
    assert failed.checks["alternative"].tolist() == ["welch_anova"]
    assert failed.report.endswith(
        "A test that does not assume equal variances (Welch's) fits these data."
    )


def test_levene_refusals_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="center must be 'median' or 'mean', not 'mode'"):
        levene_test(survey, "wellbeing", "programme", center="mode")
    with pytest.raises(AnalysisError, match="'programme' has only 1 group with data"):
        levene_test(survey, "wellbeing", "programme", groups=["Psychology"])
    flat = survey.assign(wellbeing=survey["programme"].astype(float))
    with pytest.raises(AnalysisError, match="no spread to compare"):
        levene_test(flat, "wellbeing", "programme")


# --- Q-Q plot -------------------------------------------------------------------------------


def test_qq_plot_points_and_line_match_qqnorm_and_qqline(survey: pd.DataFrame) -> None:
    result = qq_plot(survey, "wellbeing", by="programme", groups="Sociology, Psychology")
    assert [type(f) for f in result.figures] == [Plot, Plot]
    for group, figure in zip(["Sociology", "Psychology"], result.figures, strict=True):
        parts = figure.parts
        assert list(parts["theoretical"]) == pytest.approx(r(f"qq_{group}_theoretical"), rel=1e-9)
        assert list(parts["sample"]) == pytest.approx(r(f"qq_{group}_sample"), rel=1e-12)
        assert result.values[f"qq_slope[{group}]"] == close(r(f"qq_{group}_slope"))
        assert result.values[f"qq_intercept[{group}]"] == close(r(f"qq_{group}_intercept"))
        assert result.values[f"W[{group}]"] == close(r(f"sw_wellbeing_{group}_W"))
        assert figure.description.startswith(f"Normal Q-Q plot of wellbeing in {group}: ")
        assert figure.axes.get_title() == f"Normal Q-Q plot: wellbeing in {group}"
    assert result.figures[0].png().startswith(b"\x89PNG")  # it draws
    assert list(result.tables["Shapiro-Wilk test"].index) == ["Sociology", "Psychology"]


def test_qq_plot_of_ten_or_fewer_values_uses_ppoints_three_eighths(survey: pd.DataFrame) -> None:
    few = survey.loc[survey["wellbeing"].notna(), ["wellbeing"]].head(9)
    result = qq_plot(few, "wellbeing")
    theoretical = list(result.figures[0].parts["theoretical"])
    assert theoretical == pytest.approx(r("qq_small_theoretical"), rel=1e-9)
    assert "qq_slope" in result.values


# --- Outliers -------------------------------------------------------------------------------


def test_tukey_fences_match_quantile_type_7(survey: pd.DataFrame) -> None:
    result = outliers(survey, "wellbeing")
    assert [result.values["lower_fence"], result.values["upper_fence"]] == close(
        r("iqr_wellbeing_fences")
    )
    limits = result.tables["Limits"]
    assert limits.loc["wellbeing", ["Q1", "Q3"]].tolist() == close(r("iqr_wellbeing_quartiles"))
    assert result.values["outlier_rows"] == rows("iqr_wellbeing_rows")
    found = result.tables["Outliers"]
    assert (
        found["wellbeing"].tolist() == survey.loc[rows("iqr_wellbeing_rows"), "wellbeing"].tolist()
    )
    assert found.at[33, "Side"] == "below"
    # boxplot.stats' hinges differ from type 7 quartiles here: the choice matters.
    assert r("boxplot_stats_wellbeing_hinges") != r("iqr_wellbeing_quartiles")
    assert result.report == (
        "4 of 58 values of wellbeing lie beyond Tukey's fences (1.5 × IQR beyond the quartiles): "
        "rows 0 (68.62), 7 (92.00), 25 (71.46), 33 (11.50)."
    )


def test_fences_per_group(survey: pd.DataFrame) -> None:
    result = outliers(survey, "reaction", by="programme")
    for group in PROGRAMMES:
        low, high = result.values[f"lower_fence[{group}]"], result.values[f"upper_fence[{group}]"]
        assert [low, high] == close(r(f"iqr_reaction_{group}_fences"))
    assert result.values["outlier_rows"] == rows("iqr_reaction_rows")
    assert result.tables["Outliers"]["programme"].tolist() == ["Education"]
    assert result.shown_tables()["Limits"].at["Education", "Outliers"] == "1"


def test_z_scores_beyond_three(survey: pd.DataFrame) -> None:
    result = outliers(survey, "wellbeing", method="z")
    assert [result.values["lower_limit"], result.values["upper_limit"]] == close(
        r("z_wellbeing_limits")
    )
    assert result.values["outlier_rows"] == rows("z_wellbeing_rows")
    assert result.tables["Outliers"]["z"].tolist() == close(r("z_wellbeing_z"))
    by_group = outliers(survey, "reaction", by="programme", method="z")
    for group in PROGRAMMES:
        limits = [
            by_group.values[f"lower_limit[{group}]"],
            by_group.values[f"upper_limit[{group}]"],
        ]
        assert limits == close(r(f"z_reaction_{group}_limits"))
    assert by_group.values["outlier_rows"] == rows("z_reaction_rows") == []
    assert by_group.report == (
        "No value of reaction lies more than 3 SD from the mean (|z| > 3) (N = 58)."
    )


def test_z_scores_in_a_small_group_warn_that_none_can_be_flagged(survey: pd.DataFrame) -> None:
    result = outliers(survey.head(10), "wellbeing", method="z")
    check = result.checks.iloc[0]
    assert check["check"] == "Sample size for z-scores"
    assert (
        "With 10 or fewer values (wellbeing) no value can lie more than 3 SD" in (check["verdict"])
    )
    assert check["alternative"] == 'outliers(method="iqr")'


def test_outlier_refusals_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"method must be 'iqr' .* or 'z', not 'mad'"):
        outliers(survey, "wellbeing", method="mad")
    labelled_text = survey.assign(wellbeing="high")
    with pytest.raises(AnalysisError, match="'wellbeing' holds text \\('high'\\)"):
        outliers(labelled_text, "wellbeing")
    with pytest.raises(AnalysisError, match="There is no column 'wellbeng'"):
        outliers(survey, "wellbeng")


# --- Descriptives by group ------------------------------------------------------------------


def test_group_descriptives_match_describe_by(survey: pd.DataFrame) -> None:
    result = group_descriptives(survey, "wellbeing", "programme")
    table = result.tables["Descriptive statistics"]
    assert list(table.index) == [*PROGRAMMES, "Total"]
    groups = table.loc[PROGRAMMES]
    assert groups["n"].tolist() == r("desc_n")  # psych::describeBy
    assert groups["M"].tolist() == pytest.approx(r("desc_mean"), rel=1e-9)
    assert groups["SD"].tolist() == pytest.approx(r("desc_sd"), rel=1e-9)
    assert groups["SE"].tolist() == pytest.approx(r("desc_se"), rel=1e-9)
    assert groups["Mdn"].tolist() == pytest.approx(r("desc_median"), rel=1e-9)
    assert groups["95% CI low"].tolist() == pytest.approx(r("desc_ci_low"), rel=1e-9)  # t.test
    assert groups["95% CI high"].tolist() == pytest.approx(r("desc_ci_high"), rel=1e-9)
    assert groups["IQR"].tolist() == pytest.approx(r("desc_iqr"), rel=1e-9)  # stats::IQR
    assert groups["Missing"].tolist() == r("desc_missing")
    n, mean, sd, median, iqr, low, high = r("desc_total")  # type: ignore[misc]
    total = table.loc["Total"]
    assert [total["n"], total["M"], total["SD"], total["Mdn"], total["IQR"]] == close(
        [n, mean, sd, median, iqr]
    )
    assert [total["95% CI low"], total["95% CI high"]] == close([low, high])
    assert result.values["mean[Sociology]"] == close(r("desc_mean")[1])
    assert (result.values["n"], result.values["n_missing"]) == (57, 3)


def test_group_descriptives_display_and_order(survey: pd.DataFrame) -> None:
    result = group_descriptives(survey, "wellbeing", "programme", groups="Education, Psychology")
    assert list(result.tables["Descriptive statistics"].index) == [
        "Education",
        "Psychology",
        "Total",
    ]
    assert result.report == (
        "wellbeing by programme: Education: M = 48.31, SD = 12.85, n = 14; Psychology: "
        "M = 52.66, SD = 7.04, n = 21 (N = 35)."
    )
    assert result.notes[0] == (
        "N = 35. Missing: rows of the group without a value of wellbeing. 1 row without a "
        "value of programme was left out. 24 rows in other groups of programme were not used."
    )
    shown = result.shown_tables()["Descriptive statistics"]
    assert shown.loc["Education"].tolist() == [
        "14", "0", "48.31", "12.85", "3.43", "40.90", "55.73", "50.61", "7.40",
    ]  # fmt: skip
    assert "48.31" in result._repr_html_()


def test_group_descriptives_keep_a_group_with_no_values(survey: pd.DataFrame) -> None:
    empty = survey.assign(wellbeing=survey["wellbeing"].where(survey["programme"] != 3))
    table = group_descriptives(empty, "wellbeing", "programme").tables["Descriptive statistics"]
    assert table.at["Education", "n"] == 0
    assert table.at["Education", "Missing"] == 14
    assert np.isnan(table.at["Education", "M"])


def test_group_descriptives_refusals_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="'programme' has no group 'Law'; its groups are"):
        group_descriptives(survey, "wellbeing", "programme", groups=["Law"])
    with pytest.raises(AnalysisError, match="must be different columns"):
        group_descriptives(survey, "wellbeing", "wellbeing")
    with pytest.raises(AnalysisError, match="'programme' has no values"):
        group_descriptives(survey.assign(programme=np.nan), "wellbeing", "programme")


def test_shapiro_wilk_refusals_in_words(survey: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"'wellbeing' has the same value \(5\) in every row"):
        shapiro_wilk(survey.assign(wellbeing=5.0), "wellbeing")
    with pytest.raises(AnalysisError, match="There are only 2 values of 'wellbeing'"):
        shapiro_wilk(survey.head(2), "wellbeing")
    with pytest.raises(AnalysisError, match="'programme' has only 1 group with data"):
        qq_plot(survey, "wellbeing", by="programme", groups="Education")
