"""Regression: linear (simple and multiple), binary logistic and ordinal (proportional odds).

    linear_regression(df, outcome="wellbeing", predictors=["belonging", "programme"],
                      reference={"programme": "Psychology"})
    logistic_regression(df, outcome="passed", predictors=["belonging", "hours"], event="Yes")
    ordinal_regression(df, outcome="satisfaction", predictors=["belonging", "hours"])

Categorical predictors are dummy-coded against a reference category, numeric ones enter as
they are (`regression_design`). Each model uses the rows with a value in the outcome and every
predictor (listwise). The numbers match R's `lm`, `glm(family = binomial)` and
`ordinal::clm` / `MASS::polr` (tests/analysis/reference/regression.R).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationWarning,
    SingularMatrixWarning,
)

from datadive.analysis.apa import number, p_phrase, statistic_phrase
from datadive.analysis.assumptions import ALPHA, normality
from datadive.analysis.columns import column_info
from datadive.analysis.labels import categories
from datadive.analysis.relations import regression_design as design_
from datadive.analysis.relations.regression_fit import (
    ResidualPlot,
    classification,
    coefficient_values,
    dummy_notes,
    equal_variance,
    events_per_term,
    influence,
    model_r2,
    ordinal_separation,
    separation,
    spoken,
    terms_phrase,
    text,
)
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note, not_constant, numbers_of, require_columns

Reference = Mapping[str, Any] | str | None
LEVEL = 0.95
SEPARATED_SE = 50.0


def _residual_checks(
    residuals: np.ndarray, fitted: np.ndarray
) -> tuple[list[Check], dict[str, Any]]:
    """Shapiro-Wilk and Breusch-Pagan on the residuals, and their numbers for `values`."""
    shapiro = normality(residuals, what="the residuals")
    spread = equal_variance(residuals, fitted)
    found: dict[str, Any] = {"shapiro_w": shapiro.statistic, "shapiro_p": shapiro.p}
    if spread.statistic is not None:  # χ²(1), as R's car::ncvTest
        found |= {
            "breusch_pagan": spread.statistic,
            "breusch_pagan_df": 1,
            "breusch_pagan_p": spread.p,
        }
    return [shapiro, spread], found


def linear_regression(
    df: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str] | str,
    *,
    reference: Reference = None,
) -> Result:
    """Ordinary least squares of a numeric outcome on one or more predictors."""
    names = design_.predictor_list(predictors, outcome)
    require_columns(df, outcome, *names)
    scores = numbers_of(df, outcome)  # refuses text in words
    if column_info(df, outcome)["measurement"] == "nominal":
        raise AnalysisError(
            f"{outcome!r} is a nominal column (categories), so it cannot be the outcome of a "
            "linear regression. Use logistic_regression for an outcome with two categories."
        )
    design = design_.build_design(df, scores, outcome, names, reference)
    design_.enough_rows(design, extra=1)
    y = design.outcome.to_numpy(float)
    not_constant(y, outcome)
    x = design.matrix.to_numpy(float)
    with warnings.catch_warnings():  # a rank-deficient matrix is refused in words below
        warnings.simplefilter("ignore", SingularMatrixWarning)
        fit = sm.OLS(y, x).fit()
    if fit.model.rank < x.shape[1]:  # the fit's own rank (from its SVD): say which, in words
        design_.full_rank(design)
    k = x.shape[1]
    low, high = fit.conf_int(alpha=1 - LEVEL).T
    # β: B in standard deviations of outcome and predictor (dummies too), the slopes of lm on
    # z-scores; the intercept has none.
    beta = np.r_[np.nan, fit.params[1:] * x[:, 1:].std(axis=0) / y.std()]
    coefficients = pd.DataFrame(
        {
            "B": fit.params,
            "SE": fit.bse,
            "β": beta,
            "t": fit.tvalues,
            "p": fit.pvalues,
            "95% CI low": low,
            "95% CI high": high,
        },
        index=pd.Index(design.names, name="Predictor"),
    )
    model = pd.DataFrame(
        {
            "R²": [fit.rsquared],
            "adjusted R²": [fit.rsquared_adj],
            "F": [fit.fvalue],
            "df1": [fit.df_model],
            "df2": [fit.df_resid],
            "p": [fit.f_pvalue],
            "n": [design.n],
        },
        index=pd.Index([outcome], name="Outcome"),
    )
    tables = {"Coefficients": coefficients, "Model": model}
    values: dict[str, Any] = {
        "analysis": "Linear regression",
        "statistic": float(fit.fvalue),
        "statistic_name": "F",
        "df": float(fit.df_model),
        "df2": float(fit.df_resid),
        "p": float(fit.f_pvalue),
        "effect_size": float(fit.rsquared),
        "effect_size_name": "R²",
        "r2": float(fit.rsquared),
        "adj_r2": float(fit.rsquared_adj),
        "ci_level": LEVEL,
        "n": design.n,
        "n_missing": design.n_missing,
    }
    values |= coefficient_values(
        coefficients, {"B": "B", "SE": "SE", "β": "beta", "t": "t", "p": "p"}
    )
    values |= coefficient_values(
        coefficients, {"95% CI low": "B_ci_low", "95% CI high": "B_ci_high"}
    )
    checks: list[Check] = []
    if len(design.terms) > 1:
        vif, check = design_.collinearity(design, fit.cov_params()[1:, 1:])
        tables["Collinearity"] = vif
        values |= {f"vif[{name}]": float(v) for name, v in vif["VIF"].items()}
        checks.append(check)
    residuals, fitted = fit.resid, fit.fittedvalues
    residual_checks, found = _residual_checks(residuals, fitted)
    checks += residual_checks
    values |= found
    flagged, check = influence(fit, design.matrix.index)
    checks.append(check)
    values["n_influential"] = len(flagged)
    if len(flagged):
        tables["Influential points"] = flagged
    simple = k == 2
    kind = "simple" if simple else "multiple"
    report = (
        f"A {kind} linear regression showed that {terms_phrase(design)} "
        f"{'explained' if fit.f_pvalue < ALPHA else 'did not significantly explain'} "
        f"{number(100 * fit.rsquared, 0)}% of the variance in {outcome}, "
        f"{statistic_phrase('F', fit.fvalue, fit.df_model, fit.df_resid)}, "
        f"{p_phrase(fit.f_pvalue)}, R² = {number(fit.rsquared, 2, leading_zero=False)}, "
        f"adjusted R² = {number(fit.rsquared_adj, 2, leading_zero=False)}."
    )
    said = spoken(design)
    parts = [
        f"{said[name]}, B = {number(row['B'])}, 95% CI [{number(row['95% CI low'])}, "
        f"{number(row['95% CI high'])}], β = {number(row['β'])}, "
        f"t({fit.df_resid:g}) = {number(row['t'])}, {p_phrase(row['p'])}"
        for name, row in coefficients.iloc[1:].iterrows()
    ]
    report += " " + "; ".join(parts) + "."
    notes = [
        missing_note(design.n, design.n_missing, design.variables),
        "B: unstandardized coefficient with its 95% confidence interval; β: standardized "
        "coefficient (outcome and predictors as z-scores, dummy columns included, as SPSS "
        "does); the intercept has no β.",
        *dummy_notes(design),
    ]
    return Result(
        title=f"Linear regression of {outcome}",
        tables=tables,
        values=values,
        report=report,
        checks=checks,
        notes=notes,
        figures=[ResidualPlot(residuals, fitted, outcome)],
    )


def logistic_regression(
    df: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str] | str,
    *,
    event: Any = None,
    reference: Reference = None,
) -> Result:
    """Binary logistic regression: the odds of `event` (default: the outcome's second category)."""
    names = design_.predictor_list(predictors, outcome)
    require_columns(df, outcome, *names)
    shown, chosen, other = design_.binary_outcome(df, outcome, event)
    design = design_.build_design(df, shown, outcome, names, reference)
    design_.enough_rows(design, extra=1)
    present = categories(design.outcome)
    if len(present) < 2:
        raise AnalysisError(
            f"In the rows with complete data, {outcome!r} is always {str(present[0])!r}; a "
            "logistic regression needs both outcomes."
        )
    design_.full_rank(design)
    y = (design.outcome.astype(object) == chosen).to_numpy(float)
    chosen, other = text(chosen), text(other)  # as the tables and sentences show them: 1, not 1.0
    x = design.matrix.to_numpy(float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.Logit(y, x).fit(method="newton", maxiter=100, tol=1e-12, disp=False)
    kinds = {type(w.message) for w in caught}
    probabilities = fit.predict()
    if (
        PerfectSeparationWarning in kinds
        or not fit.mle_retvals.get("converged", True)
        or ConvergenceWarning in kinds
        or HessianInversionWarning in kinds
        or not np.all(np.isfinite(fit.bse))
    ):
        raise AnalysisError(separation(design, y, outcome, chosen))
    low, high = fit.conf_int(alpha=1 - LEVEL).T
    coefficients = pd.DataFrame(
        {
            "B": fit.params,
            "SE": fit.bse,
            "z": fit.tvalues,
            "p": fit.pvalues,
            "OR": np.exp(fit.params),
            "OR 95% CI low": np.exp(low),
            "OR 95% CI high": np.exp(high),
        },
        index=pd.Index(design.names, name="Predictor"),
    )
    n = design.n
    events = float(y.sum())
    # The null model's log-likelihood in closed form (the share of events as p for everyone).
    share = events / n
    ll0 = events * math.log(share) + (n - events) * math.log(1 - share)
    fitted_model = model_r2(float(fit.llf), ll0, n, df=x.shape[1] - 1)
    table, correct = classification(y, probabilities, chosen, other)
    model = pd.DataFrame(fitted_model | {"% correct": correct, "n": n}, index=[outcome])
    model.index.name = "Outcome"
    values: dict[str, Any] = {
        "analysis": "Logistic regression",
        "statistic": fitted_model["χ²"],
        "statistic_name": "χ²",
        "df": fitted_model["df"],
        "p": fitted_model["p"],
        "effect_size": fitted_model["Nagelkerke R²"],
        "effect_size_name": "Nagelkerke R²",
        "m2ll": fitted_model["−2LL"],
        "mcfadden_r2": fitted_model["McFadden R²"],
        "cox_snell_r2": fitted_model["Cox-Snell R²"],
        "nagelkerke_r2": fitted_model["Nagelkerke R²"],
        "percent_correct": correct,
        "event": str(chosen),
        "n_events": int(events),
        "ci_level": LEVEL,
        "n": n,
        "n_missing": design.n_missing,
    }
    values |= coefficient_values(
        coefficients, {"B": "B", "SE": "SE", "z": "z", "p": "p", "OR": "OR"}
    )
    values |= coefficient_values(
        coefficients, {"OR 95% CI low": "OR_ci_low", "OR 95% CI high": "OR_ci_high"}
    )
    for observed in table.index[:2]:
        for column in table.columns[:2]:
            values[f"count[{observed}, {column}]"] = int(table.loc[observed, column])
    tables = {"Coefficients": coefficients, "Model": model, "Classification": table}
    checks: list[Check] = []
    if len(design.terms) > 1:
        vif, check = design_.collinearity(design, fit.cov_params()[1:, 1:])
        tables["Collinearity"] = vif
        values |= {f"vif[{name}]": float(v) for name, v in vif["VIF"].items()}
        checks.append(check)
    checks.append(events_per_term(int(min(events, n - events)), x.shape[1] - 1))
    significant = fitted_model["p"] < ALPHA
    report = (
        f"A logistic regression of {outcome} ({chosen} vs {other}) on {terms_phrase(design)} "
        f"{'fitted better' if significant else 'did not fit significantly better'} than a model "
        f"without predictors, χ²({fitted_model['df']:g}, N = {n}) = "
        f"{number(fitted_model['χ²'])}, {p_phrase(fitted_model['p'])}, Nagelkerke R² = "
        f"{number(fitted_model['Nagelkerke R²'], 2, leading_zero=False)}, and classified "
        f"{number(correct, 1)}% of cases correctly. "
    )
    said = spoken(design)
    report += "; ".join(_odds_phrase(said[n], row) for n, row in coefficients.iloc[1:].iterrows())
    report += "."
    notes = [
        missing_note(n, design.n_missing, design.variables),
        f"{outcome} = {chosen} is the event (1), {other} is 0: an odds ratio (OR) above 1 means "
        f"higher odds of {chosen}. ORs' 95% confidence intervals are Wald intervals, "
        "exp(B ± 1.96 SE), as R's exp(confint.default()).",
        *dummy_notes(design),
        "Classification: a case is predicted as the event when its predicted probability is "
        "above .5.",
    ]
    return Result(
        title=f"Logistic regression of {outcome}",
        tables=tables,
        values=values,
        report=report,
        checks=checks,
        notes=notes,
        kinds={"Classification": {str(c): "count" for c in table.columns[:2]}},
    )


def _odds_phrase(name: Any, row: pd.Series) -> str:
    return (
        f"{name}, OR = {number(row['OR'])}, 95% CI [{number(row['OR 95% CI low'])}, "
        f"{number(row['OR 95% CI high'])}], {p_phrase(row['p'])}"
    )


def ordinal_regression(
    df: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str] | str,
    *,
    reference: Reference = None,
) -> Result:
    """Proportional-odds (cumulative logit) regression of an ordered outcome."""
    names = design_.predictor_list(predictors, outcome)
    require_columns(df, outcome, *names)
    shown = design_.ordered_outcome(df, outcome)
    design = design_.build_design(df, shown, outcome, names, reference)
    order = categories(design.outcome)
    if len(order) < 2:
        raise AnalysisError(
            f"In the rows with complete data, {outcome!r} has only one value "
            f"({', '.join(map(str, order)) or 'none'}); an ordinal regression needs several."
        )
    design_.enough_rows(design, extra=len(order) - 1)
    design_.full_rank(design)
    codes = pd.Categorical(design.outcome.astype(object), categories=order).codes
    order = [text(level) for level in order]
    n_rows = design.n
    x = design.matrix.to_numpy(float)[:, 1:]  # thresholds take the intercept's place
    model = OrderedModel(codes, x, distr="logit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(method="bfgs", maxiter=2000, gtol=1e-8, disp=False)
    k = x.shape[1]
    covariance = fit.cov_params()
    variances = np.diag(covariance)
    if (
        any(issubclass(w.category, HessianInversionWarning) for w in caught)
        or not np.all(np.isfinite(variances))
        or np.any(variances <= 0)
        # a log-odds SE above 50 per standard deviation of a predictor: the estimate runs off
        # to infinity (separation), whatever the optimizer says
        or np.any(np.sqrt(variances[:k]) * x.std(axis=0) > SEPARATED_SE)
    ):
        raise AnalysisError(ordinal_separation(design, codes, len(order), outcome))
    if not fit.mle_retvals.get("converged", True):
        raise AnalysisError(
            f"The model did not converge on these data ({n_rows} rows). Merge rare categories of "
            f"{outcome!r}, or leave out a predictor."
        )
    b, se = fit.params[:k], np.sqrt(np.diag(covariance))[:k]
    z = b / se
    p = 2 * stats.norm.sf(np.abs(z))
    wald = stats.norm.ppf(1 - (1 - LEVEL) / 2) * se
    terms = design.names[1:]
    coefficients = pd.DataFrame(
        {
            "B": b,
            "SE": se,
            "z": z,
            "p": p,
            "OR": np.exp(b),
            "OR 95% CI low": np.exp(b - wald),
            "OR 95% CI high": np.exp(b + wald),
        },
        index=pd.Index(terms, name="Predictor"),
    )
    cuts = _thresholds(fit.params[k:], covariance[k:, k:], order)
    counts = np.bincount(codes, minlength=len(order)).astype(float)
    n = design.n
    ll0 = float(np.sum(counts[counts > 0] * np.log(counts[counts > 0] / n)))
    fitted_model = model_r2(float(fit.llf), ll0, n, df=k)
    fitted_model.pop("Cox-Snell R²")
    summary = pd.DataFrame(fitted_model | {"n": n}, index=pd.Index([outcome], name="Outcome"))
    values: dict[str, Any] = {
        "analysis": "Ordinal regression",
        "statistic": fitted_model["χ²"],
        "statistic_name": "χ²",
        "df": fitted_model["df"],
        "p": fitted_model["p"],
        "effect_size": fitted_model["Nagelkerke R²"],
        "effect_size_name": "Nagelkerke R²",
        "m2ll": fitted_model["−2LL"],
        "mcfadden_r2": fitted_model["McFadden R²"],
        "nagelkerke_r2": fitted_model["Nagelkerke R²"],
        "ci_level": LEVEL,
        "n": n,
        "n_missing": design.n_missing,
    }
    values |= coefficient_values(
        coefficients, {"B": "B", "SE": "SE", "z": "z", "p": "p", "OR": "OR"}
    )
    values |= coefficient_values(
        coefficients, {"OR 95% CI low": "OR_ci_low", "OR 95% CI high": "OR_ci_high"}
    )
    values |= coefficient_values(cuts, {"Threshold": "threshold", "SE": "threshold_SE"})
    significant = fitted_model["p"] < ALPHA
    report = (
        f"An ordinal (proportional-odds) regression of {outcome} on {terms_phrase(design)} "
        f"{'fitted better' if significant else 'did not fit significantly better'} than a model "
        f"without predictors, χ²({fitted_model['df']:g}, N = {n}) = "
        f"{number(fitted_model['χ²'])}, {p_phrase(fitted_model['p'])}, Nagelkerke R² = "
        f"{number(fitted_model['Nagelkerke R²'], 2, leading_zero=False)}. "
    )
    said = spoken(design)
    report += "; ".join(_odds_phrase(said[n], row) for n, row in coefficients.iterrows()) + "."
    notes = [
        missing_note(n, design.n_missing, design.variables),
        f"Cumulative logit model, logit P({outcome} ≤ j) = θj − Σ B·x, the sign convention of R's "
        f"MASS::polr and ordinal::clm: a positive B means higher categories of {outcome} are "
        "more likely; OR = exp(B) is the odds of a higher category per unit (Wald 95% CIs). "
        f"The categories, lowest first: {', '.join(map(str, order))}.",
        *dummy_notes(design),
        "The proportional-odds assumption (one B for every threshold) is not tested here.",
    ]
    return Result(
        title=f"Ordinal regression of {outcome}",
        tables={"Coefficients": coefficients, "Thresholds": cuts, "Model": summary},
        values=values,
        report=report,
        notes=notes,
        kinds={"Thresholds": {"Threshold": "number"}},
    )


def _thresholds(raw: np.ndarray, covariance: np.ndarray, order: list[str]) -> pd.DataFrame:
    """statsmodels estimates the first threshold and the logs of the gaps between the next
    ones: θ_j = a_1 + Σ_{2≤i≤j} exp(a_i); their SEs by the delta method, J C Jᵀ."""
    jacobian = np.tril(np.ones((len(raw), len(raw)))) * np.r_[1.0, np.exp(raw[1:])]
    return pd.DataFrame(
        {
            "Threshold": np.cumsum(np.r_[raw[0], np.exp(raw[1:])]),
            "SE": np.sqrt(np.diag(jacobian @ covariance @ jacobian.T)),
        },
        index=pd.Index([f"{a} | {c}" for a, c in itertools.pairwise(order)], name="Between"),
    )
