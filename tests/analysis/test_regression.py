"""Linear, logistic and ordinal regression against R 4.2.2 (tests/analysis/reference/
regression.R, run on the same CSV): stats::lm with summary.lm and confint, lm on z-scores for β,
car::vif (GVIF), car::ncvTest, shapiro.test, cooks.distance; glm(family = binomial) with
confint.default and logLik; ordinal::clm and MASS::polr(Hess = TRUE)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    AnalysisError,
    Plot,
    Result,
    linear_regression,
    logistic_regression,
    ordinal_regression,
    set_column_info,
)
from tests.support.r_reference import close, r_value, reference_data

PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Education"}
SATISFACTION = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very satisfied",
}
PREDICTORS = ["belonging", "hours", "programme"]
TERMS = ["Intercept", "belonging", "hours", "programme: Sociology", "programme: Education"]


def r(key: str) -> Any:
    return r_value("regression", key)


@pytest.fixture
def df() -> pd.DataFrame:
    frame = reference_data("regression_students")
    set_column_info(frame, "programme", measurement="nominal", value_labels=PROGRAMMES)
    set_column_info(frame, "passed", measurement="nominal", value_labels={0: "No", 1: "Yes"})
    set_column_info(frame, "satisfaction", measurement="ordinal", value_labels=SATISFACTION)
    return frame


@pytest.fixture
def linear(df: pd.DataFrame) -> Result:
    return linear_regression(df, "wellbeing", PREDICTORS)


# Linear regression ------------------------------------------------------------------------------


def test_linear_coefficients_match_lm_summary_and_confint(linear: Result) -> None:
    table = linear.tables["Coefficients"]

    assert list(table.index) == TERMS  # dummies against Psychology, the first category
    assert r("lm_terms")[3:] == ["programmeSociology", "programmeEducation"]
    assert table["B"].tolist() == close(r("lm_B"))
    assert table["SE"].tolist() == close(r("lm_SE"))
    assert table["t"].tolist() == close(r("lm_t"))
    assert table["p"].tolist() == close(r("lm_p"))
    assert table["95% CI low"].tolist() == close(r("lm_ci_low"))
    assert table["95% CI high"].tolist() == close(r("lm_ci_high"))
    assert np.isnan(table["β"].iloc[0])  # no β for the intercept
    assert table["β"].iloc[1:].tolist() == close(r("lm_beta"))  # lm on z-scores
    assert linear.values["B[programme: Sociology]"] == close(r("lm_B")[3])
    assert linear.values["beta[belonging]"] == close(r("lm_beta")[0])
    assert "beta[Intercept]" not in linear.values
    assert linear.values["B_ci_high[hours]"] == close(r("lm_ci_high")[2])


def test_linear_model_fit_matches_summary_lm(linear: Result) -> None:
    model = linear.tables["Model"].iloc[0]

    assert model["R²"] == close(r("lm_r2"))
    assert model["adjusted R²"] == close(r("lm_adj_r2"))
    assert model["F"] == close(r("lm_F"))
    assert (model["df1"], model["df2"]) == (r("lm_df1"), r("lm_df2"))
    assert model["p"] == close(r("lm_F_p"))
    assert model["n"] == r("lm_n") == 61
    values = linear.values
    assert values["statistic"] == close(r("lm_F"))
    assert values["statistic_name"] == "F"
    assert (values["df"], values["df2"]) == (4.0, 56.0)
    assert values["p"] == close(r("lm_F_p"))
    assert values["effect_size"] == values["r2"] == close(r("lm_r2"))
    assert values["adj_r2"] == close(r("lm_adj_r2"))
    assert (values["n"], values["n_missing"]) == (61, 3)


def test_linear_checks_match_car_vif_ncvtest_shapiro_and_cooks_distance(linear: Result) -> None:
    vif = linear.tables["Collinearity"]
    assert list(vif.index) == r("lm_vif_terms")
    assert vif["VIF"].tolist() == close(r("lm_gvif"))  # car::vif GVIF
    assert vif["df"].tolist() == r("lm_gvif_df")
    assert vif["GVIF^(1/(2·df))"].tolist() == close(r("lm_gvif_adj"))
    assert linear.values["vif[programme]"] == close(r("lm_gvif")[2])

    assert linear.values["shapiro_w"] == close(r("lm_shapiro_W"))
    assert linear.values["shapiro_p"] == close(r("lm_shapiro_p"))
    assert linear.values["breusch_pagan"] == close(r("lm_ncv_chisq"))  # car::ncvTest
    assert linear.values["breusch_pagan_df"] == r("lm_ncv_df")
    assert linear.values["breusch_pagan_p"] == close(r("lm_ncv_p"))

    influential = linear.tables["Influential points"]
    by_id = dict(zip(r("lm_cooks_id"), r("lm_cooks_d"), strict=True))
    assert sorted(int(row) + 1 for row in influential.index) == sorted(by_id)  # id = row + 1
    for row, d in influential["Cook's D"].items():
        assert d == close(by_id[int(row) + 1])
    assert influential["Cook's D"].is_monotonic_decreasing
    assert linear.values["n_influential"] == 4

    checks = linear.checks.set_index("check")
    assert checks.loc["Multicollinearity (VIF)", "passed"]
    assert "No predictor has a VIF above 5" in checks.loc["Multicollinearity (VIF)", "verdict"]
    assert checks.loc["Normality of the residuals (Shapiro-Wilk)", "p"] == close(r("lm_shapiro_p"))
    influence = checks.loc["Influential points (Cook's distance > 4/n)"]
    assert influence["passed"] is False or not influence["passed"]
    assert (
        "4 row(s) have a Cook's distance above 4/n = 0.066: 13, 11, 38, 52"
        in (influence["verdict"])
    )


@pytest.mark.parametrize(
    "reference",
    [
        {"programme": "Sociology"},
        "programme=Sociology",
        " programme = Sociology ;",
        {"programme": 2},
    ],
)
def test_the_reference_category_can_be_chosen_by_label_text_or_code(
    df: pd.DataFrame, reference: Any
) -> None:
    result = linear_regression(df, "wellbeing", PREDICTORS, reference=reference)
    table = result.tables["Coefficients"]

    assert list(table.index)[3:] == ["programme: Psychology", "programme: Education"]
    assert r("lm_ref_terms")[3:] == ["programmePsychology", "programmeEducation"]
    assert table["B"].tolist() == close(r("lm_ref_B"))  # relevel(programme, "Sociology")
    assert table["SE"].tolist() == close(r("lm_ref_SE"))
    assert table["p"].tolist() == close(r("lm_ref_p"))
    assert table["95% CI low"].tolist() == close(r("lm_ref_ci_low"))
    assert table["β"].iloc[1:].tolist() == close(r("lm_ref_beta"))
    assert any("with Sociology as the reference category" in note for note in result.notes)


def test_a_categorical_column_held_as_labels_gives_the_same_model(df: pd.DataFrame) -> None:
    held = df.copy()
    held["programme"] = pd.Categorical(
        held["programme"].map(PROGRAMMES), categories=list(PROGRAMMES.values())
    )

    result = linear_regression(held, "wellbeing", PREDICTORS)

    assert result.tables["Coefficients"]["B"].tolist() == close(r("lm_B"))


def test_simple_regression_matches_lm(df: pd.DataFrame) -> None:
    result = linear_regression(df, "wellbeing", "belonging")
    table = result.tables["Coefficients"]

    assert table["B"].tolist() == close(r("simple_B"))
    assert table["SE"].tolist() == close(r("simple_SE"))
    assert table["p"].tolist() == close(r("simple_p"))
    assert table["β"].iloc[1] == close(r("simple_beta"))
    assert result.values["r2"] == close(r("simple_r2"))
    assert result.values["n"] == r("simple_n") == 62
    assert "Collinearity" not in result.tables  # one predictor: nothing to inflate
    assert result.report.startswith("A simple linear regression showed that belonging explained")


def test_linear_display_shows_apa_numbers_notes_and_plots(linear: Result) -> None:
    text = str(linear)
    page = linear._repr_html_()

    assert "F(4, 56) = 13.11, p < .001, R² = .48, adjusted R² = .45." in linear.report
    assert "belonging, B = 0.53, 95% CI [0.36, 0.70], β = 0.65, t(56) = 6.40, p < .001" in (
        linear.report
    )
    assert "programme (Sociology vs Psychology), B = −0.50, 95% CI [−0.96, −0.05]" in (
        linear.report
    )
    assert "programme: Sociology  −0.50  0.23  −0.24  −2.21    .031" in text
    assert "Intercept              1.49  0.50      –   2.98    .004" in text  # no β
    assert "N = 61. 3 rows with a missing value in wellbeing, belonging, hours or programme" in text
    assert "adjusted R² = .45" in page
    assert "<td>.48</td>" in page
    assert "dummy columns included" in text
    [figure] = linear.figures
    assert isinstance(figure, Plot)
    axes = figure.parts["axes"]
    assert [a.get_title() for a in axes] == ["Residuals vs fitted", "Normal Q-Q plot of residuals"]
    assert len(axes[0].collections[0].get_offsets()) == 61
    assert figure.png().startswith(b"\x89PNG")


def test_collinearity_is_flagged_above_five(df: pd.DataFrame) -> None:
    frame = df.dropna(subset=["belonging", "hours"]).copy()
    noise = np.random.default_rng(3).normal(0, 0.1, len(frame))
    frame["belonging_again"] = frame["belonging"] + noise  # nearly the same predictor

    result = linear_regression(frame, "wellbeing", ["belonging", "belonging_again", "hours"])
    check = result.checks.set_index("check").loc["Multicollinearity (VIF)"]

    assert check["passed"] is False or not check["passed"]
    assert "above 10 (severe): belonging, belonging_again" in check["verdict"]


# Linear regression: data it refuses, in words ----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "call", "message"),
    [
        (None, {"predictors": ["belonging", "nothing"]}, "There is no column 'nothing'"),
        (None, {"predictors": []}, "Choose at least one predictor."),
        (None, {"predictors": ["wellbeing"]}, "'wellbeing' is the outcome, so it cannot also"),
        (None, {"predictors": ["hours", "hours"]}, "'hours' is chosen twice as a predictor"),
        (
            None,
            {"predictors": ["hours"], "reference": "programme=Psychology"},
            "A reference category was given for 'programme', which is not a categorical",
        ),
        (
            None,
            {"predictors": PREDICTORS, "reference": {"programme": "Law"}},
            "'programme' has no category 'Law' with data to be the reference; its categories "
            "are 'Psychology', 'Sociology', 'Education'.",
        ),
        (
            lambda f: f.assign(hours=5),
            {"predictors": ["belonging", "hours"]},
            "'hours' has the same value (5) in every row used, so it cannot predict anything",
        ),
        (
            lambda f: f.assign(programme=1),
            {"predictors": ["belonging", "programme"]},
            "'programme' has only one category with data ('Psychology'), so it cannot predict",
        ),
        (
            lambda f: f.assign(double=f["hours"] * 2),
            {"predictors": ["hours", "double"]},
            "Some predictors are exact combinations of each other ('hours', 'double')",
        ),
        (
            lambda f: f.assign(wellbeing=f["wellbeing"].astype(object).where(f["id"] != 3, "n/a")),
            {"predictors": ["hours"]},
            "'wellbeing' holds text ('n/a'), not numbers, so it cannot be the outcome",
        ),
        (
            lambda f: f.assign(wellbeing=3.0),
            {"predictors": ["hours"]},
            "'wellbeing' has the same value (3) in every row used",
        ),
        (
            lambda f: f.head(4),
            {"predictors": PREDICTORS},
            "There are only 4 rows with complete data; this model with 3 predictor(s) (4 "
            "coefficients) needs at least 5.",
        ),
    ],
)
def test_linear_regression_refuses_in_words(
    df: pd.DataFrame, change: Any, call: dict[str, Any], message: str
) -> None:
    frame = change(df) if change else df
    if change is not None:
        frame.attrs = df.attrs

    with pytest.raises(AnalysisError) as error:
        linear_regression(frame, "wellbeing", **call)

    assert message in str(error.value)


def test_a_nominal_outcome_is_sent_to_logistic_regression(df: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="Use logistic_regression for an outcome with two"):
        linear_regression(df, "passed", ["hours"])


# Logistic regression ----------------------------------------------------------------------------


@pytest.fixture
def logistic(df: pd.DataFrame) -> Result:
    return logistic_regression(df, "passed", PREDICTORS)


def test_logistic_coefficients_match_glm_and_wald_intervals(logistic: Result) -> None:
    table = logistic.tables["Coefficients"]

    assert list(table.index) == TERMS
    assert table["B"].tolist() == close(r("glm_B"))
    assert table["SE"].tolist() == close(r("glm_SE"))
    assert table["z"].tolist() == close(r("glm_z"))
    assert table["p"].tolist() == close(r("glm_p"))
    assert table["OR"].tolist() == close(r("glm_OR"))
    assert table["OR 95% CI low"].tolist() == close(r("glm_OR_low"))  # exp(confint.default)
    assert table["OR 95% CI high"].tolist() == close(r("glm_OR_high"))
    assert logistic.values["OR[belonging]"] == close(r("glm_OR")[1])
    assert logistic.values["OR_ci_low[programme: Education]"] == close(r("glm_OR_low")[4])


def test_logistic_model_fit_and_pseudo_r2_match_loglik(logistic: Result) -> None:
    model = logistic.tables["Model"].iloc[0]

    assert model["−2LL"] == close(r("glm_m2ll")) == close(r("glm_deviance"))
    assert model["χ²"] == close(r("glm_chisq"))  # anova(null, fit, test = "Chisq")
    assert model["df"] == r("glm_df")
    assert model["p"] == close(r("glm_chisq_p"))
    assert model["McFadden R²"] == close(r("glm_mcfadden"))
    assert model["Cox-Snell R²"] == close(r("glm_cox_snell"))
    assert model["Nagelkerke R²"] == close(r("glm_nagelkerke"))
    assert model["n"] == r("glm_n")
    values = logistic.values
    assert (values["statistic_name"], values["effect_size_name"]) == ("χ²", "Nagelkerke R²")
    assert values["effect_size"] == close(r("glm_nagelkerke"))
    assert (values["event"], values["n_events"], values["n_missing"]) == ("Yes", 17, 3)


def test_logistic_classification_table_matches_fitted_above_half(logistic: Result) -> None:
    table = logistic.tables["Classification"]
    counts = [[r("glm_class_00"), r("glm_class_01")], [r("glm_class_10"), r("glm_class_11")]]

    assert list(table.index) == ["No", "Yes", "Overall"]
    assert list(table.columns) == ["Predicted No", "Predicted Yes", "% correct"]
    assert table.iloc[:2, :2].to_numpy().tolist() == counts
    total = sum(map(sum, counts))
    correct = 100 * (counts[0][0] + counts[1][1]) / total
    assert table.loc["Overall", "% correct"] == close(correct)
    assert table.loc["No", "% correct"] == close(100 * counts[0][0] / sum(counts[0]))
    assert logistic.values["percent_correct"] == close(correct)
    assert logistic.values["count[Yes, Predicted No]"] == counts[1][0]


def test_logistic_checks_match_car_vif_and_count_cases_per_coefficient(logistic: Result) -> None:
    assert logistic.tables["Collinearity"]["VIF"].tolist() == close(r("glm_gvif"))
    assert logistic.tables["Collinearity"]["GVIF^(1/(2·df))"].tolist() == close(r("glm_gvif_adj"))
    check = logistic.checks.set_index("check").loc["Cases per coefficient (rarer outcome)"]
    assert check["statistic"] == close(17 / 4)
    assert "Only 4.2 cases of the rarer outcome per coefficient" in check["verdict"]


def test_logistic_display_and_write_up(logistic: Result) -> None:
    text = str(logistic)

    assert logistic.report.startswith(
        "A logistic regression of passed (Yes vs No) on belonging, hours and programme did not "
        "fit significantly better than a model without predictors, χ²(4, N = 61) = 5.46, "
        "p = .243, Nagelkerke R² = .12, and classified 75.4% of cases correctly."
    )
    assert "programme (Education vs Psychology), OR = 1.89, 95% CI [0.45, 7.94], p = .383" in (
        logistic.report
    )
    assert "passed = Yes is the event (1), No is 0" in text
    assert "exp(confint.default())" in text
    assert "No                 43             1     97.73" in text
    assert "Overall             –             –     75.41" in text
    assert "<td>.12</td>" in logistic._repr_html_()


@pytest.mark.parametrize("event", ["No", 0, "0"])
def test_the_other_event_flips_the_signs(df: pd.DataFrame, event: Any) -> None:
    result = logistic_regression(df, "passed", PREDICTORS, event=event)
    table = result.tables["Coefficients"]

    assert table["B"].tolist() == close([-b for b in r("glm_B")])
    assert table["SE"].tolist() == close(r("glm_SE"))
    assert table["OR"].tolist() == close([1 / o for o in r("glm_OR")])
    assert result.values["event"] == "No"
    assert list(result.tables["Classification"].index) == ["Yes", "No", "Overall"]


def test_a_numeric_outcome_shows_its_codes_as_whole_numbers(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame.attrs = {}  # passed as plain 0/1 numbers

    result = logistic_regression(frame, "passed", ["belonging", "hours"])

    assert result.values["event"] == "1"
    assert list(result.tables["Classification"].columns)[:2] == ["Predicted 0", "Predicted 1"]
    assert "passed = 1 is the event (1), 0 is 0" in str(result)


def test_the_event_may_be_given_by_code(df: pd.DataFrame) -> None:
    result = logistic_regression(df, "passed", PREDICTORS, event=1)

    assert result.tables["Coefficients"]["B"].tolist() == close(r("glm_B"))


def test_perfect_separation_is_refused_naming_the_category(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame.loc[frame["programme"] == 3, "passed"] = 1

    with pytest.raises(AnalysisError) as error:
        logistic_regression(frame, "passed", PREDICTORS)

    assert str(error.value).startswith(
        "Every case with programme = Education has passed = Yes (perfect separation), so its "
        "odds ratio would be infinite"
    )


def test_perfect_separation_by_a_number_is_refused(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame["passed"] = (frame["hours"] > 12).astype(float)

    with pytest.raises(AnalysisError, match="hours separates the outcomes completely"):
        logistic_regression(frame, "passed", ["hours", "belonging"])


@pytest.mark.parametrize(
    ("outcome", "event", "message"),
    [
        (
            "satisfaction",
            None,
            "'satisfaction' has 5 different value(s) with data ('Very dissatisfied', "
            "'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'); a logistic regression "
            "needs exactly two. Use ordinal_regression",
        ),
        ("passed", "Maybe", "'passed' has no value 'Maybe' to count as the event; its values "),
    ],
)
def test_logistic_regression_refuses_in_words(
    df: pd.DataFrame, outcome: str, event: Any, message: str
) -> None:
    with pytest.raises(AnalysisError) as error:
        logistic_regression(df, outcome, ["hours"], event=event)

    assert message in str(error.value)


# Ordinal regression -----------------------------------------------------------------------------


@pytest.fixture
def ordinal(df: pd.DataFrame) -> Result:
    return ordinal_regression(df, "satisfaction", PREDICTORS)


def test_ordinal_coefficients_match_clm_and_polr(ordinal: Result) -> None:
    table = ordinal.tables["Coefficients"]

    assert list(table.index) == TERMS[1:]  # thresholds instead of an intercept
    assert table["B"].tolist() == close(r("clm_B"))  # same sign as clm and polr
    assert table["B"].tolist() == close(r("polr_B"))
    assert table["SE"].tolist() == close(r("clm_SE"))
    assert table["z"].tolist() == close(r("clm_z"))
    assert table["p"].tolist() == close(r("clm_p"))
    assert table["OR"].tolist() == close(r("clm_OR"))
    assert table["OR 95% CI low"].tolist() == close(r("clm_OR_low"))
    assert table["OR 95% CI high"].tolist() == close(r("clm_OR_high"))
    assert ordinal.values["B[belonging]"] == close(r("clm_B")[0])


def test_ordinal_thresholds_and_model_fit_match_clm(ordinal: Result) -> None:
    cuts = ordinal.tables["Thresholds"]
    model = ordinal.tables["Model"].iloc[0]

    assert list(cuts.index) == [
        "Very dissatisfied | Dissatisfied",
        "Dissatisfied | Neutral",
        "Neutral | Satisfied",
        "Satisfied | Very satisfied",
    ]
    assert cuts["Threshold"].tolist() == close(r("clm_theta"))
    assert cuts["Threshold"].tolist() == close(r("polr_zeta"))
    assert cuts["SE"].tolist() == close(r("clm_theta_SE"))
    assert ordinal.values["threshold[Neutral | Satisfied]"] == close(r("clm_theta")[2])
    assert model["−2LL"] == close(r("clm_m2ll"))
    assert model["χ²"] == close(r("clm_chisq"))
    assert model["df"] == r("clm_df")
    assert model["p"] == close(r("clm_chisq_p"))
    assert model["McFadden R²"] == close(r("clm_mcfadden"))
    assert model["Nagelkerke R²"] == close(r("clm_nagelkerke"))
    assert (ordinal.values["n"], ordinal.values["n_missing"]) == (r("clm_n"), 3)


def test_ordinal_display_says_the_sign_convention(ordinal: Result) -> None:
    text = str(ordinal)

    assert "χ²(4, N = 61) = 23.60, p < .001, Nagelkerke R² = .34." in ordinal.report
    assert "belonging, OR = 2.53, 95% CI [1.61, 3.98], p < .001" in ordinal.report
    assert "a positive B means higher categories of satisfaction are more likely" in text
    assert "Very dissatisfied | Dissatisfied      2.83  1.25" in text
    assert "proportional-odds assumption" in text


def test_ordinal_regression_refuses_an_unordered_outcome(df: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="holds categories without an order"):
        ordinal_regression(df, "programme", ["hours"])


def test_ordinal_separation_is_refused_naming_the_category(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame.loc[frame["programme"] == 2, "satisfaction"] = 1

    with pytest.raises(AnalysisError) as error:
        ordinal_regression(frame, "satisfaction", PREDICTORS)

    assert str(error.value).startswith(
        "Every case with programme = Sociology gave the lowest answer of satisfaction "
        "(separation), so its odds ratio would be infinite."
    )


def test_ordinal_separation_by_a_number_is_refused() -> None:
    frame = pd.DataFrame({"hours": np.arange(30.0), "rating": np.repeat([1, 2, 3], 10)})

    with pytest.raises(AnalysisError, match="hours sorts the answers of rating perfectly"):
        ordinal_regression(frame, "rating", ["hours"])


def test_ordinal_outcome_without_labels_uses_its_numbers_in_order(df: pd.DataFrame) -> None:
    frame = df.copy()
    frame.attrs = {}

    result = ordinal_regression(frame, "satisfaction", ["belonging", "hours"])

    assert list(result.tables["Thresholds"].index) == ["1 | 2", "2 | 3", "3 | 4", "4 | 5"]
