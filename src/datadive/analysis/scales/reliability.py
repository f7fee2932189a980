"""How consistently the items of a scale measure one thing: Cronbach's α with its confidence
interval, standardized α, McDonald's ω, and per item its mean, SD, corrected item-total
correlation, α if the item were left out and its loading on the common factor.

    reliability(df, items=["wb1", "wb2", "wb3", "wb4", "wb5"])

Sources:
- α (Cronbach, 1951) from the items' covariance matrix; standardized α from their correlation
  matrix, k·r̄ / (1 + (k − 1)·r̄) — as R's `psych::alpha` (`raw_alpha`, `std.alpha`).
- The confidence interval of α by Feldt's method (Feldt, Woodruff & Salih, 1987, Applied
  Psychological Measurement 11(1), 93–103): (1 − α) follows (1 − α_pop)·F(n − 1, (n − 1)(k − 1)),
  so the bounds are 1 − (1 − α)·F quantiles — `psych::alpha.ci`, the "Feldt" row of
  `psych::alpha`.
- Corrected item-total r (`psych::alpha`'s `r.drop`) and α if an item is dropped
  (`alpha.drop`), both from the covariance matrix.
- ω (total) from a one-factor maximum-likelihood factor analysis of the correlation matrix
  (statsmodels `Factor(method="ml")`, as R's `factanal`): ω = (Σλ)² / ((Σλ)² + Σψ), with λ the
  standardized loadings and ψ the uniquenesses (McDonald, 1999, Test theory, p. 89; Hayes &
  Coutts, 2020, Communication Methods and Measures 14(1), 1–24). `psych::omega` estimates the
  factor by minimum residuals instead, and gives slightly different values.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.multivariate.factor import Factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning

from datadive.analysis.apa import Kind, interval, number
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note, not_constant, numbers_of, require_columns

LEVEL = 0.95
REVERSE_HINT = "probably not reversed — reverse it with the Reverse-code template"


def reliability(df: pd.DataFrame, items: Sequence[str] | str) -> Result:
    """Cronbach's α (95% CI by Feldt's method), standardized α and McDonald's ω of `items`,
    with item statistics; rows with a missing value in any item are left out (listwise)."""
    names = _item_names(df, items)
    data = pd.DataFrame({name: numbers_of(df, name, role="item") for name in names})
    used = data.dropna()
    n, k = len(used), len(names)
    n_missing = len(data) - n
    if n < 3:
        raise AnalysisError(
            f"Only {n} row(s) have an answer to every item; reliability needs at least 3."
        )
    for name in names:
        not_constant(used[name], name)
    values = used.to_numpy(float)
    cov = np.cov(values, rowvar=False)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)

    alpha = _alpha(np.trace(cov), cov.sum(), k)
    mean_r = float((corr.sum() - k) / (k * (k - 1)))
    alpha_std = k * mean_r / (1 + (k - 1) * mean_r)
    low, high = _feldt(alpha, n, k)

    # Item statistics from the covariance matrix: the item against the sum of the others.
    row_sums = cov.sum(axis=1)
    var_item = np.diag(cov)
    var_rest = cov.sum() - 2 * row_sums + var_item
    item_total = (row_sums - var_item) / np.sqrt(var_item * var_rest)
    if k > 2:
        alpha_drop = (k - 1) / (k - 2) * (1 - (np.trace(cov) - var_item) / var_rest)
    else:  # one item left: no α
        alpha_drop = np.full(k, np.nan)

    omega = _omega(corr, n) if k >= 3 else None
    loadings = omega.loadings if omega else np.full(k, np.nan)

    reliability_table = pd.DataFrame(
        {
            "Estimate": [alpha, alpha_std, omega.omega if omega else math.nan],
            "95% CI low": [low, math.nan, math.nan],
            "95% CI high": [high, math.nan, math.nan],
        },
        index=pd.Index(["Cronbach's α", "Standardized α", "McDonald's ω"], name="Coefficient"),
    )
    item_table = pd.DataFrame(
        {
            "M": used.mean().to_numpy(),
            "SD": sd,
            "item-total r": item_total,
            "α if item deleted": alpha_drop,
            "loading": loadings,
        },
        index=pd.Index(names, name="Item"),
    )
    bounded: dict[str, Kind] = dict.fromkeys(reliability_table.columns, "bounded")

    result_values: dict[str, Any] = {
        "analysis": "Cronbach's α",
        "statistic": alpha,
        "statistic_name": "α",
        "ci_low": low,
        "ci_high": high,
        "ci_level": LEVEL,
        "n": n,
        "n_missing": n_missing,
        "alpha": alpha,
        "alpha_standardized": alpha_std,
        "omega": omega.omega if omega else math.nan,
        "mean_inter_item_r": mean_r,
        "n_items": k,
    }
    for i, name in enumerate(names):
        result_values[f"mean[{name}]"] = float(item_table["M"].iloc[i])
        result_values[f"sd[{name}]"] = float(sd[i])
        result_values[f"item_total_r[{name}]"] = float(item_total[i])
        result_values[f"alpha_if_deleted[{name}]"] = float(alpha_drop[i])
        result_values[f"loading[{name}]"] = float(loadings[i])
        if omega:
            result_values[f"uniqueness[{name}]"] = float(omega.uniqueness[i])
    result_values = {
        key: float(v) if isinstance(v, np.floating) else v for key, v in result_values.items()
    }

    negative = [name for name, r in zip(names, item_total, strict=True) if r < 0]
    checks = [_direction_check(negative, item_total, names)]
    if omega and omega.problem:
        checks.append(Check("McDonald's ω (one-factor model)", omega.problem))

    notes = [
        missing_note(n, n_missing, names),
        "95% CI of α by Feldt's method (Feldt, Woodruff & Salih, 1987). Item-total r: the "
        "item's correlation with the sum of the other items.",
    ]
    if omega:
        notes.append(
            "ω (total) from a one-factor maximum-likelihood factor analysis: "
            "ω = (Σλ)² / ((Σλ)² + Σψ); loading: the item's standardized loading λ."
        )
    else:
        notes.append("ω needs at least three items: one factor cannot be estimated from two.")

    return Result(
        title=f"Reliability of {k} items",
        tables={"Reliability": reliability_table, "Item statistics": item_table},
        values=result_values,
        report=_report(
            names,
            n=n,
            alpha=alpha,
            low=low,
            high=high,
            omega=omega.omega if omega else None,
            negative=negative,
        ),
        checks=checks,
        notes=notes,
        kinds={"Reliability": bounded, "Item statistics": {"loading": "bounded"}},
    )


def _item_names(df: pd.DataFrame, items: Sequence[str] | str) -> list[str]:
    if isinstance(items, str):  # a form's text field: "wb1, wb2, wb3"
        items = [part.strip() for part in items.split(",") if part.strip()]
    names = list(items)
    require_columns(df, *names)
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise AnalysisError(f"The item {twice!r} is chosen twice; choose each item once.")
    if len(names) < 2:
        chosen = ", ".join(repr(name) for name in names) or "none"
        raise AnalysisError(
            f"Reliability needs at least two items of the scale; you chose {chosen}."
        )
    return names


def _alpha(item_variances: float, total_variance: float, k: int) -> float:
    return float(k / (k - 1) * (1 - item_variances / total_variance))


def _feldt(alpha: float, n: int, k: int) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987), eq. 4; `psych::alpha.ci`."""
    tail = (1 - LEVEL) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * float(stats.f.ppf(1 - tail, df1, df2))
    high = 1 - (1 - alpha) * float(stats.f.ppf(tail, df1, df2))
    return low, high


class _Omega:
    def __init__(self, omega: float, loadings: np.ndarray, uniqueness: np.ndarray, problem: str):
        self.omega = omega
        self.loadings = loadings
        self.uniqueness = uniqueness
        self.problem = problem  # empty when the model converged to a proper solution


def _omega(corr: np.ndarray, n: int) -> _Omega:
    """ω from a one-factor ML factor analysis of the correlation matrix (as `factanal`)."""
    # Start from the squared multiple correlations (as factanal does), so the fit is
    # deterministic; a tight gradient tolerance makes it agree with factanal to ~1e-9.
    try:
        smc = 1 - 1 / np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        smc = np.full(len(corr), 0.5)
    smc = np.clip(smc, 0.05, 0.95)
    model = Factor(corr=corr, nobs=n, n_factor=1, method="ml")
    problem = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", EstimationWarning)
        model.fit(start=(np.sqrt(smc)[:, None], 1 - smc), opt={"gtol": 1e-9})
    loadings = np.asarray(model.loadings, dtype=float)[:, 0]
    uniqueness = np.asarray(model.uniqueness, dtype=float)
    if loadings.sum() < 0:  # a factor's sign is arbitrary: point it along the items
        loadings = -loadings
    fit = model.mle_retvals
    # BFGS stops with "precision loss" at a gradient that is already zero for all purposes.
    stalled = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if stalled and not float(np.abs(fit.jac).max()) < 1e-6:
        problem = "The one-factor model did not fully converge; ω may be inaccurate."
    if uniqueness.min() < 0.005:
        problem = (
            "An item's uniqueness is near zero (a Heywood case): the one-factor model fits "
            "badly, so ω is unreliable; report α."
        )
    total = loadings.sum() ** 2
    return _Omega(float(total / (total + uniqueness.sum())), loadings, uniqueness, problem)


def _direction_check(negative: list[str], item_total: np.ndarray, names: list[str]) -> Check:
    name = "Item direction"
    if not negative:
        return Check(name, "Every item correlates positively with the other items.", True)
    by_name = dict(zip(names, item_total, strict=True))
    listed = "; ".join(
        f"{item} correlates negatively with the other items "
        f"(r = {number(by_name[item], 2, leading_zero=False)}): {REVERSE_HINT}"
        for item in negative
    )
    return Check(name, listed + ".", False)


def _report(
    names: list[str],
    *,
    n: int,
    alpha: float,
    low: float,
    high: float,
    omega: float | None,
    negative: list[str],
) -> str:
    shown = ", ".join(names)
    text = (
        f"The scale of {len(names)} items ({shown}) had an internal consistency of "
        f"Cronbach's α = {number(alpha, 2, leading_zero=False)}, "
        f"{interval(low, high, bounded=True, level=LEVEL)}"
    )
    if omega is not None:
        text += f", and McDonald's ω = {number(omega, 2, leading_zero=False)}"
    text += f" (N = {n})."
    if negative:
        verb = "correlates" if len(negative) == 1 else "correlate"
        text += (
            f" {', '.join(negative)} {verb} negatively with the other items and "
            f"{'is' if len(negative) == 1 else 'are'} probably not reversed."
        )
    return text
