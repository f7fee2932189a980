"""Factorial ANOVA and ANCOVA: the effects of two or more grouping factors and their
interaction on a numeric outcome, and a group effect adjusted for numeric covariates.

    two_way_anova(df, outcome="wellbeing", factors=["programme", "housing"])
    ancova(df, outcome="wellbeing", group="programme", covariates=["age"])

Both fit one linear model (statsmodels `ols`) and test its terms with `anova_lm`, with type III
sums of squares and sum-to-zero contrasts by default, as SPSS and JASP do (R: `car::Anova(type
= 3)` with `contr.sum`). Effect sizes are partial η² with two-sided 95% CIs from the noncentral
F distribution (effectsize::eta_squared) and, for the ANOVA, partial ω².
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.linear_model import OLS

from datadive.analysis import apa, assumptions
from datadive.analysis.anova.factorial_model import (
    RESIDUALS,
    TABLE_KINDS,
    Design,
    anova_table,
    column_list,
    fit_model,
    main_values,
    partial_omega_squared,
    select_design,
    sum_of_squares_type,
    term_values,
)
from datadive.analysis.anova.factorial_plot import cell_summary, interaction_plot
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note

WAYS = {2: "Two-way", 3: "Three-way", 4: "Four-way"}
SS_NOTES = {
    3: "Type III sums of squares with sum-to-zero (effect) contrasts, as SPSS and JASP "
    "compute them: each effect is adjusted for all other terms.",
    2: "Type II sums of squares: each main effect is adjusted for the other main effects but "
    "not for the interactions that contain it.",
}


def two_way_anova(
    df: pd.DataFrame,
    outcome: str,
    factors: Sequence[str] | str,
    *,
    sum_of_squares: int | str = 3,
    interaction: bool = True,
    levels: Mapping[str, Sequence[Any] | str] | None = None,
) -> Result:
    """Main effects of two (or more) grouping `factors` on `outcome` and, with `interaction`,
    their interaction: SS, df, MS, F, p, partial η² (95% CI) and partial ω² per term, the
    cell means with an interaction plot, and checks of equal variances across cells and of
    normal residuals. `levels` chooses (and orders) the groups of a factor:
    `levels={"programme": ["Psychology", "Sociology"]}`."""
    typ = sum_of_squares_type(sum_of_squares)
    names = column_list(factors, "factors")
    if len(names) < 2:
        raise AnalysisError(
            "A two-way ANOVA needs two or more factors (grouping columns); "
            f"{len(names)} given. For one factor, use one_way_anova."
        )
    design = select_design(df, outcome, names, levels=levels)
    safe = [f"C(f{index}, Sum)" for index in range(len(names))]
    cells = cell_summary(design.data["y"], [design.data[f"f{i}"] for i in range(len(names))])
    cells.index.names = names
    if interaction:
        _no_empty_cells(cells, names)
    fit = fit_model(design, "y ~ " + (" * " if interaction else " + ").join(safe))
    table, keys = anova_table(fit, design, typ)
    table["partial ω²"] = partial_omega_squared(table, design.n)
    way = WAYS.get(len(names), f"{len(names)}-way")
    analysis = f"{way} ANOVA"
    terms = [name for name in table.index if name != RESIDUALS]
    lead = terms[-1] if interaction else terms[0]
    values = main_values(table, lead, analysis) | term_values(table, keys)
    values |= {"n": design.n, "n_missing": design.n_missing, "sum_of_squares": typ}
    values |= _cell_values(cells)
    figure = _figure(df, design, outcome)
    notes = [_missing_note(design), SS_NOTES[typ], _effect_note(omega=True)]
    return Result(
        title=f"{analysis}: {outcome} by {' and '.join(names)}",
        tables={analysis: table, "Cell descriptives": cells},
        values=values,
        report=_anova_report(table, analysis, outcome, typ, keys),
        checks=_anova_checks(design, fit.resid.to_numpy(), cells, typ),
        notes=notes,
        figures=[figure],
        kinds={analysis: TABLE_KINDS},
    )


def _no_empty_cells(cells: pd.DataFrame, names: list[str]) -> None:
    empty = cells.index[cells["n"] == 0]
    if len(empty):
        where = " and ".join(f"{n} = {v}" for n, v in zip(names, empty[0], strict=True))
        raise AnalysisError(
            f"No row has {where}, so the interaction cannot be estimated. Leave out the "
            "interaction (interaction=False) or merge groups."
        )


def _cell_values(cells: pd.DataFrame) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, row in cells.iterrows():
        key = ":".join(str(v) for v in (index if isinstance(index, tuple) else (index,)))
        values |= {
            f"n[{key}]": int(row["n"]),
            f"mean[{key}]": float(row["M"]),
            f"sd[{key}]": float(row["SD"]),
        }
    return values


def _figure(frame: pd.DataFrame, design: Design, outcome: str) -> Any:
    """The first two factors' cell means (with more factors: over the others' groups)."""
    across, lines = design.factors[0], design.factors[1]
    data = design.data
    summary = cell_summary(data["y"], [data["f0"], data["f1"]])
    summary.index.names = [across, lines]
    return interaction_plot(frame, summary, outcome=outcome, across=across, lines=lines)


def _missing_note(design: Design) -> str:
    text = missing_note(design.n, design.n_missing, design.columns)
    if design.n_other:
        rows = "row" if design.n_other == 1 else "rows"
        text += f" {design.n_other} {rows} in groups that were not chosen were not used."
    return text


def _effect_note(*, omega: bool) -> str:
    text = "Partial η² with two-sided 95% confidence intervals from the noncentral F distribution."
    if omega:
        text += " Partial ω² is set to 0 when its estimate is negative."
    return text


def _term_phrase(table: pd.DataFrame, term: str) -> str:
    row = table.loc[term]
    return (
        apa.statistic_phrase("F", row["F"], row["df"], table.loc[RESIDUALS, "df"])
        + f", {apa.p_phrase(row['p'])}, "
        + apa.effect_phrase("partial η²", row["partial η²"], row["95% CI low"], row["95% CI high"])
    )


def _anova_report(
    table: pd.DataFrame, analysis: str, outcome: str, typ: int, keys: Mapping[str, str]
) -> str:
    parts = []
    for term in keys:
        significant = table.loc[term, "p"] < assumptions.ALPHA
        kind = "interaction" if "×" in term else "main effect of"
        what = f"{term} {kind}" if "×" in term else f"{kind} {term}"
        start = "a significant" if significant else "no significant"
        parts.append(f"{start} {what}, {_term_phrase(table, term)}")
    listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
    numeral = "II" if typ == 2 else "III"
    way = analysis.removesuffix(" ANOVA").lower()
    return f"A {way} ANOVA of {outcome} (type {numeral} sums of squares) showed {listed}."


def _anova_checks(
    design: Design, residuals: np.ndarray, cells: pd.DataFrame, typ: int
) -> list[Check]:
    grouping = [design.data[f"f{i}"] for i in range(len(design.factors))]
    by_cell = {
        " × ".join(map(str, key)): group.to_numpy(float)
        for key, group in design.data["y"].groupby(grouping, observed=True)
    }
    levene = assumptions.equal_variances(by_cell, center="mean", alternative="welch_anova")
    if levene.passed is False:
        levene = Check(
            "Equal variances across cells (Levene, mean-centred)",
            f"The cells' variances differ ({apa.p_phrase(levene.p)}); the F tests can be off, "
            "most of all with unequal cell sizes. A robust method is advisable, for example a "
            "Welch ANOVA (welch_anova) on one factor at a time.",
            False,
            levene.statistic,
            levene.p,
            "welch_anova",
        )
    else:
        levene = Check(
            "Equal variances across cells (Levene, mean-centred)",
            levene.verdict,
            levene.passed,
            levene.statistic,
            levene.p,
            levene.alternative,
        )
    normal = assumptions.normality(residuals, what="the residuals")
    return [levene, normal, _balance_check(cells, typ)]


def _balance_check(cells: pd.DataFrame, typ: int) -> Check:
    sizes = cells["n"][cells["n"] > 0]
    if sizes.nunique() == 1:
        return Check(
            "Balanced design",
            f"Every cell has n = {int(sizes.iloc[0])}: type II and type III sums of squares "
            "give the same results.",
        )
    used = "Type III (used here)" if typ == 3 else "Type III"
    other = "type II" if typ == 3 else "type II (used here)"
    return Check(
        "Balanced design",
        f"Unbalanced: cell sizes range from {int(sizes.min())} to {int(sizes.max())}, so type "
        f"II and type III sums of squares differ. {used} tests each main effect "
        f"averaged over the other factors' groups, whatever the interaction; {other} tests "
        "main effects with more power but assumes no interaction.",
    )


def ancova(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    covariates: Sequence[str] | str,
    sum_of_squares: int | str = 3,
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """The difference between the groups of `group` in `outcome`, adjusted for numeric
    `covariates`: SS, df, MS, F, p and partial η² (95% CI) per term, the adjusted (estimated
    marginal) means with SE and 95% CI, and checks of homogeneous regression slopes, equal
    residual variances and normal residuals. `groups` chooses (and orders) the groups."""
    typ = sum_of_squares_type(sum_of_squares)
    names = column_list(covariates, "covariates")
    if not names:
        raise AnalysisError(
            "An ANCOVA needs at least one covariate (a numeric column to adjust for). "
            "Without one, use one_way_anova."
        )
    chosen = {group: groups} if groups is not None else None
    design = select_design(df, outcome, [group], covariates=names, levels=chosen, smallest=2)
    safe_covariates = [f"x{index}" for index in range(len(names))]
    fit = fit_model(design, "y ~ " + " + ".join(["C(f0, Sum)", *safe_covariates]))
    table, keys = anova_table(fit, design, typ)
    adjusted = _adjusted_means(fit, design)
    descriptives = cell_summary(design.data["y"], [design.data["f0"]])[["n", "M", "SD"]]
    descriptives.index.name = group
    analysis = "ANCOVA"
    values = main_values(table, group, analysis) | term_values(table, keys)
    values |= {"n": design.n, "n_missing": design.n_missing, "sum_of_squares": typ}
    for level, row in adjusted.iterrows():
        values |= {
            f"adjusted_mean[{level}]": float(row["adjusted M"]),
            f"adjusted_se[{level}]": float(row["SE"]),
            f"adjusted_ci_low[{level}]": float(row["95% CI low"]),
            f"adjusted_ci_high[{level}]": float(row["95% CI high"]),
        }
    for level, row in descriptives.iterrows():
        values |= {
            f"n[{level}]": int(row["n"]),
            f"mean[{level}]": float(row["M"]),
            f"sd[{level}]": float(row["SD"]),
        }
    means = design.data[safe_covariates].mean()
    for index, name in enumerate(names):
        values[f"slope[{name}]"] = float(fit.params[f"x{index}"])
        values[f"covariate_mean[{name}]"] = float(means[f"x{index}"])
    at = ", ".join(f"{name} = {apa.number(means[f'x{i}'])}" for i, name in enumerate(names))
    notes = [
        _missing_note(design),
        SS_NOTES[typ] + " Without interactions in the model, type II gives the same tests.",
        f"Adjusted means are estimated at the covariates' means ({at}).",
        _effect_note(omega=False),
    ]
    return Result(
        title=f"ANCOVA: {outcome} by {group}, adjusted for {', '.join(names)}",
        tables={analysis: table, "Adjusted means": adjusted, "Descriptives": descriptives},
        values=values,
        report=_ancova_report(table, outcome, group, names),
        checks=_ancova_checks(fit, design),
        notes=notes,
        kinds={analysis: TABLE_KINDS},
    )


def _adjusted_means(fit: Any, design: Design) -> pd.DataFrame:
    """Each group's mean predicted at the covariates' means, with its SE and t-based 95% CI
    (the estimated marginal means of emmeans::emmeans)."""
    levels = design.levels[0]
    grid = pd.DataFrame({"f0": pd.Categorical(levels, categories=levels)})
    for column in design.data.columns:
        if column.startswith("x"):
            grid[column] = design.data[column].mean()
    frame = fit.get_prediction(grid).summary_frame(alpha=0.05)
    return pd.DataFrame(
        {
            "adjusted M": frame["mean"].to_numpy(),
            "SE": frame["mean_se"].to_numpy(),
            "95% CI low": frame["mean_ci_lower"].to_numpy(),
            "95% CI high": frame["mean_ci_upper"].to_numpy(),
        },
        index=pd.Index(levels, name=design.factors[0]),
    )


def _ancova_report(table: pd.DataFrame, outcome: str, group: str, covariates: list[str]) -> str:
    significant = table.loc[group, "p"] < assumptions.ALPHA
    verb = "differed" if significant else "did not differ significantly"
    listed = " and ".join(covariates)
    plural = "covariates" if len(covariates) > 1 else "covariate"
    return (
        f"An ANCOVA with {listed} as {plural} showed that {outcome} {verb} between the groups "
        f"of {group} after adjusting for {listed}, {_term_phrase(table, group)}."
    )


def _ancova_checks(fit: Any, design: Design) -> list[Check]:
    residuals = fit.resid.to_numpy()
    group = design.data["f0"]
    by_group = {str(level): residuals[(group == level).to_numpy()] for level in design.levels[0]}
    levene = assumptions.equal_variances(by_group, center="mean")
    if levene.passed is False:
        verdict = (
            f"The residuals' spread differs between groups ({apa.p_phrase(levene.p)}); the F "
            "test can be off, most of all with unequal group sizes."
        )
    elif levene.passed:
        verdict = f"No evidence that the residuals' spread differs ({apa.p_phrase(levene.p)})."
    else:
        verdict = levene.verdict
    levene = Check(
        "Equal residual variances across groups (Levene, mean-centred)",
        verdict,
        levene.passed,
        levene.statistic,
        levene.p,
    )
    return [
        _slopes_check(fit, design),
        levene,
        assumptions.normality(residuals, what="the residuals"),
    ]


def _slopes_check(fit: Any, design: Design) -> Check:
    """Homogeneity of regression slopes: the group × covariate interactions, tested together
    by comparing the model with them to the model without (an F test of nested models, as
    R's `anova(lm(y ~ g + x), lm(y ~ g * x))`). The added columns are first freed of what the
    model already explains, so that one small regression on the residuals gives the extra sum
    of squares (Frisch-Waugh-Lovell theorem; Lovell, 1963, JASA 58, 993) instead of a second
    fit of the whole model."""
    names = list(fit.model.exog_names)
    exog = fit.model.exog
    group_columns = [i for i, name in enumerate(names) if name.startswith("C(f0")]
    covariate_columns = [names.index(f"x{i}") for i in range(len(design.covariates))]
    added = np.column_stack(
        [exog[:, g] * exog[:, c] for c in covariate_columns for g in group_columns]
    )
    added -= exog @ (fit.model.pinv_wexog @ added)
    extra = OLS(fit.resid.to_numpy(), added).fit()
    name = "Homogeneity of regression slopes (group × covariate)"
    df_diff = added.shape[1]
    df_full = fit.df_resid - df_diff
    if df_full < 1 or extra.model.rank < df_diff:
        return Check(name, "Not checked: too few rows to fit a slope in every group.")
    ss_diff = fit.ssr - extra.ssr
    f = (ss_diff / df_diff) / (extra.ssr / df_full)
    p = float(stats.f.sf(f, df_diff, df_full))
    phrase = apa.statistic_phrase("F", f, df_diff, df_full)
    listed = " and ".join(design.covariates)
    slopes = (
        f"the slopes of {listed} differ"
        if len(design.covariates) > 1
        else (f"the slope of {listed} differs")
    )
    if p >= assumptions.ALPHA:
        verdict = f"No evidence that {slopes} between groups ({phrase}, {apa.p_phrase(p)})."
        return Check(name, verdict, True, float(f), float(p))
    verdict = (
        f"{slopes.capitalize()} between groups ({phrase}, {apa.p_phrase(p)}): ANCOVA's "
        "assumption of equal regression slopes does not hold, so the adjusted group difference "
        "depends on the covariate's value. Report the group × covariate interaction instead."
    )
    return Check(name, verdict, False, float(f), float(p))
