"""Two-way (factorial) ANOVA and ANCOVA. Every number is checked against R 4.2.2
(tests/analysis/reference/factorial.R, run on the same CSV files): car::Anova (type II / III
with contr.sum) for SS, df, F and p; effectsize::eta_squared (partial, two-sided 95% CI) and
effectsize::omega_squared (partial); afex::aov_car; emmeans::emmeans for adjusted means;
stats::anova of nested lm models for the homogeneity of slopes; car::leveneTest and
stats::shapiro.test for the checks; stats::t.test for the cell means' CIs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import AnalysisError, ancova, set_column_info, two_way_anova
from tests.support.r_reference import close, r_value, reference_data

PROGRAMMES = {1: "Psychology", 2: "Sociology", 3: "Economics"}
TERMS = ["programme", "housing", "programme:housing"]


def r(key: str) -> Any:
    return r_value("factorial", key)


@pytest.fixture
def students() -> pd.DataFrame:
    frame = reference_data("factorial_students")
    set_column_info(frame, "programme", measurement="nominal", value_labels=PROGRAMMES)
    return frame


@pytest.fixture
def therapy() -> pd.DataFrame:
    return reference_data("factorial_therapy")


def assert_terms_match_r(values: dict[str, Any], prefix: str, terms: list[str]) -> None:
    """SS, df, F, p (car::Anova), partial η² and its CI, partial ω² (effectsize)."""
    for term in terms:
        assert values[f"ss[{term}]"] == close(r(f"{prefix}.ss[{term}]")), term
        assert values[f"df[{term}]"] == r(f"{prefix}.df[{term}]"), term
        assert values[f"statistic[{term}]"] == close(r(f"{prefix}.F[{term}]")), term
        assert values[f"p[{term}]"] == close(r(f"{prefix}.p[{term}]")), term
        assert values[f"effect_size[{term}]"] == close(r(f"{prefix}.eta[{term}]")), term
        # The CI's bounds solved exactly in R (stats::uniroot on stats::pf) ...
        assert values[f"ci_low[{term}]"] == close(r(f"{prefix}.eta_low_exact[{term}]")), term
        assert values[f"ci_high[{term}]"] == close(r(f"{prefix}.eta_high_exact[{term}]")), term
        # ... and by effectsize, whose Nelder-Mead search (stats::optim on the two tail
        # probabilities) stops short of them by up to 7e-6 here (three_III programme).
        for bound in ("low", "high"):
            found = values[f"ci_{bound}[{term}]"]
            assert found == pytest.approx(r(f"{prefix}.eta_{bound}[{term}]"), rel=1e-4, abs=1e-8)
    ms_residual = r(f"{prefix}.ss_residual") / r(f"{prefix}.df_residual")
    assert values["ss_residual"] == close(r(f"{prefix}.ss_residual"))
    assert values["df2"] == r(f"{prefix}.df_residual")
    assert values["ms_residual"] == close(ms_residual)


# --- Two-way ANOVA -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sum_of_squares", "interaction", "prefix"),
    [
        (3, True, "two_III"),
        (2, True, "two_II"),
        (3, False, "additive_III"),
        (2, False, "additive_II"),
    ],
)
def test_two_way_anova_matches_car_anova_and_effectsize(
    students: pd.DataFrame, sum_of_squares: int, interaction: bool, prefix: str
) -> None:
    result = two_way_anova(
        students,
        outcome="wellbeing",
        factors=["programme", "housing"],
        sum_of_squares=sum_of_squares,
        interaction=interaction,
    )

    terms = TERMS if interaction else TERMS[:2]
    assert_terms_match_r(result.values, prefix, terms)
    for term in terms:
        omega = result.values[f"partial_omega_squared[{term}]"]
        assert omega == close(r(f"{prefix}.omega[{term}]")), term
    assert result.values["n"] == r("n[two]") == 56
    assert result.values["n_missing"] == 4
    assert result.values["sum_of_squares"] == sum_of_squares
    table = result.tables["Two-way ANOVA"]
    shown_terms = ["programme", "housing", "programme × housing"][: len(terms)]
    assert list(table.index) == [*shown_terms, "Residuals"]
    assert table.loc["housing", "MS"] == close(
        r(f"{prefix}.ss[housing]") / r(f"{prefix}.df[housing]")
    )


def test_the_main_values_are_the_interaction_or_else_the_first_factor(
    students: pd.DataFrame,
) -> None:
    full = two_way_anova(students, "wellbeing", ["programme", "housing"])
    additive = two_way_anova(students, "wellbeing", ["programme", "housing"], interaction=False)

    assert full.values["analysis"] == "Two-way ANOVA"
    assert full.values["statistic_name"] == "F"
    assert full.values["statistic"] == close(r("two_III.F[programme:housing]"))
    assert full.values["p"] == close(r("two_III.p[programme:housing]"))
    assert full.values["effect_size_name"] == "partial η²"
    assert full.values["effect_size"] == close(r("two_III.eta[programme:housing]"))
    assert full.values["ci_high"] == close(r("two_III.eta_high_exact[programme:housing]"))
    assert full.values["ci_level"] == 0.95
    assert (full.values["df"], full.values["df2"]) == (2, 50)
    assert additive.values["statistic"] == close(r("additive_III.F[programme]"))


def test_afex_aov_car_gives_the_same_type_iii_table(students: pd.DataFrame) -> None:
    values = two_way_anova(students, "wellbeing", ["programme", "housing"]).values

    for term in TERMS:
        assert values[f"statistic[{term}]"] == close(r(f"afex_F[{term}]"))
        assert values[f"effect_size[{term}]"] == close(r(f"afex_pes[{term}]"))


def test_cell_descriptives_are_labelled_and_match_r(students: pd.DataFrame) -> None:
    result = two_way_anova(students, "wellbeing", ["programme", "housing"])

    cells = result.tables["Cell descriptives"]
    assert list(cells.index.names) == ["programme", "housing"]
    assert list(cells.columns) == ["n", "M", "SD", "95% CI low", "95% CI high"]
    for programme in PROGRAMMES.values():
        for housing in ("campus", "parents"):
            key = f"{programme}:{housing}"
            row = cells.loc[(programme, housing)]
            assert row["n"] == r(f"cell_n[{key}]") == result.values[f"n[{key}]"]
            assert row["M"] == close(r(f"cell_mean[{key}]"))
            assert result.values[f"mean[{key}]"] == close(r(f"cell_mean[{key}]"))
            assert result.values[f"sd[{key}]"] == close(r(f"cell_sd[{key}]"))
            assert row["95% CI low"] == close(r(f"cell_ci_low[{key}]"))
            assert row["95% CI high"] == close(r(f"cell_ci_high[{key}]"))


def test_checks_match_car_levene_and_shapiro(students: pd.DataFrame) -> None:
    checks = two_way_anova(students, "wellbeing", ["programme", "housing"]).checks

    levene = checks.iloc[0]
    assert levene["check"] == "Equal variances across cells (Levene, mean-centred)"
    assert levene["statistic"] == close(r("levene_F[two]"))
    assert levene["p"] == close(r("levene_p[two]"))
    assert levene["passed"]
    normal = checks.iloc[1]
    assert normal["check"] == "Normality of the residuals (Shapiro-Wilk)"
    assert normal["statistic"] == close(r("shapiro_W[two]"))
    assert normal["p"] == close(r("shapiro_p[two]"))
    balance = checks.iloc[2]
    assert balance["check"] == "Balanced design"
    assert balance["passed"] is None
    assert balance["verdict"].startswith(
        "Unbalanced: cell sizes range from 5 to 13, so type II and type III sums of squares "
        "differ. Type III (used here) tests each main effect"
    )


def test_three_factors_match_car_anova(students: pd.DataFrame) -> None:
    result = two_way_anova(students, "wellbeing", ["programme", "housing", "year"])

    terms = [
        "programme",
        "housing",
        "year",
        "programme:housing",
        "programme:year",
        "housing:year",
        "programme:housing:year",
    ]
    assert_terms_match_r(result.values, "three_III", terms)
    assert result.values["n"] == r("n[three]")
    assert result.title == "Three-way ANOVA: wellbeing by programme and housing and year"
    assert "programme × housing × year" in result.tables["Three-way ANOVA"].index
    assert result.values["statistic"] == close(r("three_III.F[programme:housing:year]"))


def test_the_display_shows_apa_numbers_and_the_write_up(students: pd.DataFrame) -> None:
    result = two_way_anova(students, "wellbeing", ["programme", "housing"])

    assert result.report == (
        "A two-way ANOVA of wellbeing (type III sums of squares) showed a significant main "
        "effect of programme, F(2, 50) = 3.53, p = .037, partial η² = .12, 95% CI [.00, .29]; "
        "a significant main effect of housing, F(1, 50) = 5.72, p = .021, partial η² = .10, "
        "95% CI [.00, .28]; and no significant programme × housing interaction, "
        "F(2, 50) = 2.75, p = .074, partial η² = .10, 95% CI [.00, .26]."
    )
    text = str(result)
    shown = result.shown_tables()["Two-way ANOVA"]
    assert shown.loc["programme"].tolist() == [
        "5.97", "2", "2.98", "3.53", ".037", ".12", ".00", ".29", ".08",
    ]  # fmt: skip
    assert shown.loc["Residuals"].tolist() == ["42.30", "50", "0.85"] + ["–"] * 6
    assert "Psychology × campus" in text
    assert (
        "N = 56. 4 rows with a missing value in wellbeing, programme or housing were left out "
        "(listwise)." in text
    )
    assert "Type III sums of squares with sum-to-zero (effect) contrasts" in text
    html = result._repr_html_()
    assert "partial η² = .10, 95% CI [.00, .28]" in html
    assert "<caption>Cell descriptives</caption>" in html


def test_type_ii_says_so(students: pd.DataFrame) -> None:
    result = two_way_anova(students, "wellbeing", ["programme", "housing"], sum_of_squares="II")

    assert result.values["sum_of_squares"] == 2
    assert "(type II sums of squares)" in result.report
    assert any(
        note.startswith("Type II sums of squares: each main effect") for note in result.notes
    )
    assert "Type II (used here)" not in result.checks.iloc[2]["verdict"]
    assert "type II (used here)" in result.checks.iloc[2]["verdict"]


def test_the_interaction_plot_shows_cell_means_with_their_confidence_intervals(
    students: pd.DataFrame,
) -> None:
    result = two_way_anova(students, "wellbeing", ["programme", "housing"])

    plot = result.figures[0]
    assert plot.tick_labels == ["Psychology", "Sociology", "Economics"]
    assert [text.get_text() for text in plot.axes.get_legend().get_texts()] == [
        "campus",
        "parents",
    ]
    campus = plot.parts["lines"][0]
    drawn = campus.lines[0].get_ydata()
    expected = [r(f"cell_mean[{p}:campus]") for p in PROGRAMMES.values()]
    assert list(drawn) == pytest.approx(expected, rel=1e-12)
    bars = campus.lines[2][0].get_segments()  # the vertical error bars, one per programme
    lows = [segment[0][1] for segment in bars]
    assert lows == pytest.approx([r(f"cell_ci_low[{p}:campus]") for p in PROGRAMMES.values()])
    assert plot.description.startswith(
        "Interaction plot of wellbeing: the mean of each group of programme (along the axis) "
        "with one line for each group of housing (campus, parents); error bars show 95% "
        "confidence intervals."
    )
    assert plot.png().startswith(b"\x89PNG")


def test_levels_choose_and_order_the_groups(students: pd.DataFrame) -> None:
    result = two_way_anova(
        students,
        "wellbeing",
        ["programme", "housing"],
        levels={"programme": "Economics, Psychology"},
    )

    cells = result.tables["Cell descriptives"]
    assert list(cells.index.get_level_values(0).unique()) == ["Economics", "Psychology"]
    assert result.values["n"] == 38
    assert result.figures[0].tick_labels == ["Economics", "Psychology"]
    assert "18 rows in groups that were not chosen were not used." in result.notes[0]


def test_a_balanced_design_and_unequal_variances_are_reported() -> None:
    rng = np.random.default_rng(5)
    a = np.repeat(["low", "high"], 40)
    b = np.tile(np.repeat(["x", "y"], 20), 2)
    spread = np.where((a == "high") & (b == "y"), 8.0, 1.0)
    frame = pd.DataFrame({"score": rng.normal(10, 1, 80) * spread, "dose": a, "drug": b})

    checks = two_way_anova(frame, "score", ["dose", "drug"]).checks

    assert checks.iloc[2]["verdict"] == (
        "Every cell has n = 20: type II and type III sums of squares give the same results."
    )
    levene = checks.iloc[0]
    assert levene["passed"] is False
    assert levene["alternative"] == "welch_anova"
    assert (
        "A robust method is advisable, for example a Welch ANOVA (welch_anova)"
        in (levene["verdict"])
    )


def test_numeric_codes_without_labels_are_groups(students: pd.DataFrame) -> None:
    frame = students.drop(columns=[]).copy()
    frame.attrs = {}

    result = two_way_anova(frame, "wellbeing", ["programme", "housing"])

    assert result.tables["Cell descriptives"].index[0] == (1, "campus")
    assert result.values["statistic[programme]"] == close(r("two_III.F[programme]"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"factors": ["programme"]},
            "A two-way ANOVA needs two or more factors (grouping columns); 1 given. For one "
            "factor, use one_way_anova.",
        ),
        ({"factors": ["programme", "hosuing"]}, "There is no column 'hosuing' in this table."),
        (
            {"factors": ["programme", "wellbeing"]},
            "'wellbeing' is named twice; the outcome, the factors and the covariates must be "
            "different columns.",
        ),
        (
            {"outcome": "note"},
            "'note' holds text ('good', 'fine'), not numbers, so it cannot be the outcome.",
        ),
        (
            {"outcome": "constant"},
            "'constant' has the same value (3) in every row used, so there is no variation",
        ),
        (
            {"factors": ["programme", "one_group"]},
            "'one_group' has only 1 group with data ('all'); each factor needs at least two "
            "groups.",
        ),
        ({"sum_of_squares": 1}, "sum_of_squares must be 2 or 3 (type II or type III sums"),
        (
            {"levels": {"programme": ["Psychology", "Law"]}},
            "'programme' has no group 'Law' with data; its groups are 'Psychology', "
            "'Sociology', 'Economics'.",
        ),
    ],
)
def test_bad_input_is_refused_in_words(
    students: pd.DataFrame, kwargs: dict[str, Any], message: str
) -> None:
    frame = students.assign(note=["good", "fine"] * 30, constant=3.0, one_group="all")
    arguments = {"outcome": "wellbeing", "factors": ["programme", "housing"]} | kwargs

    with pytest.raises(AnalysisError) as caught:
        two_way_anova(frame, **arguments)

    assert message in str(caught.value)


def test_an_empty_cell_asks_to_leave_out_the_interaction(students: pd.DataFrame) -> None:
    frame = students[~((students["programme"] == 3) & (students["housing"] == "parents"))]

    with pytest.raises(
        AnalysisError,
        match="No row has programme = Economics and housing = "
        "parents, so the interaction cannot be estimated. Leave out the "
        r"interaction \(interaction=False\) or merge groups.",
    ):
        two_way_anova(frame, "wellbeing", ["programme", "housing"])
    assert (
        two_way_anova(frame, "wellbeing", ["programme", "housing"], interaction=False).values["n"]
        == 43
    )


def test_one_row_per_cell_leaves_no_error_variance() -> None:
    frame = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0], "a": [1, 1, 2, 2], "b": [1, 2, 1, 2]})

    with pytest.raises(
        AnalysisError,
        match="There are only 4 rows with complete data, as many as the model has parameters",
    ):
        two_way_anova(frame, "y", ["a", "b"])


# --- ANCOVA --------------------------------------------------------------------------------


@pytest.mark.parametrize(("sum_of_squares", "prefix"), [(3, "ancova_III"), (2, "ancova_II")])
def test_ancova_matches_car_anova_and_effectsize(
    students: pd.DataFrame, sum_of_squares: int, prefix: str
) -> None:
    result = ancova(
        students,
        outcome="wellbeing",
        group="programme",
        covariates=["age", "sleep"],
        sum_of_squares=sum_of_squares,
    )

    assert_terms_match_r(result.values, prefix, ["programme", "age", "sleep"])
    assert result.values["n"] == r("n[ancova]") == 56
    assert result.values["n_missing"] == 4
    assert result.values["analysis"] == "ANCOVA"
    assert result.values["statistic"] == close(r(f"{prefix}.F[programme]"))
    assert result.values["effect_size"] == close(r(f"{prefix}.eta[programme]"))
    assert list(result.tables["ANCOVA"].index) == ["programme", "age", "sleep", "Residuals"]


def test_adjusted_means_match_emmeans(students: pd.DataFrame) -> None:
    result = ancova(students, "wellbeing", "programme", covariates=["age", "sleep"])

    adjusted = result.tables["Adjusted means"]
    assert list(adjusted.index) == list(PROGRAMMES.values())
    for programme in PROGRAMMES.values():
        row = adjusted.loc[programme]
        assert row["adjusted M"] == close(r(f"emmean[{programme}]"))
        assert row["SE"] == close(r(f"emmean_se[{programme}]"))
        assert row["95% CI low"] == close(r(f"emmean_low[{programme}]"))
        assert result.values[f"adjusted_ci_high[{programme}]"] == close(
            r(f"emmean_high[{programme}]")
        )
        assert result.values[f"adjusted_mean[{programme}]"] == close(r(f"emmean[{programme}]"))
    for covariate in ("age", "sleep"):
        assert result.values[f"slope[{covariate}]"] == close(r(f"slope[{covariate}]"))
        mean = result.values[f"covariate_mean[{covariate}]"]
        assert mean == close(r(f"covariate_mean[{covariate}]"))
    descriptives = result.tables["Descriptives"]
    assert descriptives["n"].tolist() == [19, 18, 19]


def test_ancova_checks_match_r(students: pd.DataFrame) -> None:
    checks = ancova(students, "wellbeing", "programme", covariates=["age", "sleep"]).checks

    slopes, levene, normal = (checks.iloc[i] for i in range(3))
    assert slopes["check"] == "Homogeneity of regression slopes (group × covariate)"
    assert slopes["statistic"] == close(r("slopes_F[ancova]"))
    assert slopes["p"] == close(r("slopes_p[ancova]"))
    assert (r("slopes_df[ancova]"), r("slopes_df2[ancova]")) == (4, 47)
    assert slopes["verdict"] == (
        "No evidence that the slopes of age and sleep differ between groups "
        "(F(4, 47) = 0.37, p = .830)."
    )
    assert levene["statistic"] == close(r("levene_F[ancova]"))
    assert levene["p"] == close(r("levene_p[ancova]"))
    assert normal["statistic"] == close(r("shapiro_W[ancova]"))
    assert normal["p"] == close(r("shapiro_p[ancova]"))


def test_unequal_slopes_are_flagged(therapy: pd.DataFrame) -> None:
    result = ancova(therapy, "post", "condition", covariates="pre")

    assert_terms_match_r(result.values, "therapy_III", ["condition", "pre"])
    for condition in ("control", "therapy", "waitlist"):
        found = result.values[f"adjusted_mean[{condition}]"]
        assert found == close(r(f"therapy_emmean[{condition}]"))
        assert result.values[f"adjusted_se[{condition}]"] == close(
            r(f"therapy_emmean_se[{condition}]")
        )
    slopes = result.checks.iloc[0]
    assert slopes["statistic"] == close(r("slopes_F[therapy]"))
    assert slopes["p"] == close(r("slopes_p[therapy]"))
    assert result.checks["passed"].tolist()[0] is False
    assert slopes["verdict"].startswith(
        "The slope of pre differs between groups (F(2, 29) = 19.17, p < .001): ANCOVA's "
        "assumption of equal regression slopes does not hold"
    )


def test_ancova_display(therapy: pd.DataFrame) -> None:
    result = ancova(therapy, "post", "condition", covariates=["pre"])

    assert result.report == (
        "An ANCOVA with pre as covariate showed that post differed between the groups of "
        "condition after adjusting for pre, F(2, 31) = 12.63, p < .001, partial η² = .45, "
        "95% CI [.17, .63]."
    )
    text = str(result)
    assert "Adjusted means are estimated at the covariates' means (pre = 19.72)." in text
    assert "N = 35. 1 row with a missing value in post, condition or pre was left out" in text
    shown = result.shown_tables()["Adjusted means"]
    assert shown.loc["therapy"].tolist() == ["13.31", "0.57", "12.16", "14.47"]
    assert "<caption>Adjusted means</caption>" in result._repr_html_()


def test_ancova_groups_choose_and_order(therapy: pd.DataFrame) -> None:
    result = ancova(therapy, "post", "condition", covariates=["pre"], groups="therapy, control")

    assert list(result.tables["Adjusted means"].index) == ["therapy", "control"]
    assert result.values["n"] == 24
    assert result.values["df"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"covariates": []}, "An ANCOVA needs at least one covariate"),
        (
            {"covariates": ["note"]},
            "'note' holds text ('good', 'fine'), not numbers, so it cannot be the covariate.",
        ),
        ({"covariates": ["pre", "flat"]}, "The covariate 'flat' has the same value in every"),
        ({"group": "post"}, "'post' is named twice"),
        ({"group": "single"}, "'single' has only 1 group with data ('a')"),
        (
            {"covariates": ["pre", "pre_twice"]},
            "The effects of the covariates and the groups cannot be told apart in these data",
        ),
        ({"groups": "therapy, ctrl"}, "'condition' has no group 'ctrl' with data"),
    ],
)
def test_ancova_refuses_bad_input_in_words(
    therapy: pd.DataFrame, kwargs: dict[str, Any], message: str
) -> None:
    frame = therapy.assign(
        flat=1.0, single="a", pre_twice=therapy["pre"] * 2, note=["good", "fine"] * 18
    )
    arguments = {"outcome": "post", "group": "condition", "covariates": ["pre"]} | kwargs

    with pytest.raises(AnalysisError) as caught:
        ancova(frame, **arguments)

    assert message in str(caught.value)


def test_a_group_with_one_row_is_refused(therapy: pd.DataFrame) -> None:
    frame = pd.concat([therapy, pd.DataFrame({"condition": ["new"], "pre": [20.0], "post": [9]})])

    with pytest.raises(AnalysisError, match="The group 'new' of 'condition' has 1 value"):
        ancova(frame, "post", "condition", covariates=["pre"])
