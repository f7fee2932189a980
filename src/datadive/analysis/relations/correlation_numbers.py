"""The numbers behind the correlations that SciPy does not return: t from r, Fisher's z
intervals with a chosen standard error, and Kendall's τb test as R's `cor.test` chooses it
(exact or normal, with the z of the normal approximation)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

KENDALL_EXACT_BELOW = 50  # R's cor.test: an exact p for fewer pairs than this, without ties


def atanh(r: float) -> float:
    with np.errstate(divide="ignore"):
        return float(np.arctanh(r))


def t_from_r(r: float, df: float) -> float:
    """The t statistic of a correlation: t = r √(df / (1 − r²))."""
    with np.errstate(divide="ignore"):
        return float(np.divide(r * math.sqrt(df), math.sqrt(max(1 - r * r, 0.0))))


def fisher_interval(r: float, se: float, level: float, alternative: str) -> tuple[float, float]:
    """A CI for a correlation by Fisher's z: tanh(atanh(r) ± z_q · se); one-sided as R's
    cor.test gives it (the other bound at ±1)."""
    if not math.isfinite(se):
        return (math.nan, math.nan)
    z = atanh(r)
    if alternative == "two-sided":
        q = float(stats.norm.ppf((1 + level) / 2))
        return (math.tanh(z - q * se), math.tanh(z + q * se))
    q = float(stats.norm.ppf(level))
    if alternative == "greater":
        return (math.tanh(z - q * se), 1.0)
    return (-1.0, math.tanh(z + q * se))


def standard_error(numerator: float, denominator: float) -> float:
    return math.sqrt(numerator / denominator) if denominator > 0 else math.nan


def tie_sizes(values: np.ndarray) -> np.ndarray:
    counts = np.unique(values, return_counts=True)[1]
    return counts[counts > 1].astype(float)


def kendall_z(xs: np.ndarray, ys: np.ndarray, tau_b: float) -> float:
    """The normal approximation's z for Kendall's τb with ties, as R's `cor.test` computes it
    (Kendall, M. G. (1970). Rank correlation methods, 4th ed., eqs. 4.3 and 4.4)."""
    n = float(len(xs))
    t, u = tie_sizes(xs), tie_sizes(ys)
    pairs = n * (n - 1) / 2
    s = tau_b * math.sqrt((pairs - (t * (t - 1)).sum() / 2) * (pairs - (u * (u - 1)).sum() / 2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt, vu = (t * (t - 1) * (2 * t + 5)).sum(), (u * (u - 1) * (2 * u + 5)).sum()
    v1 = (t * (t - 1)).sum() * (u * (u - 1)).sum()
    v2 = (t * (t - 1) * (t - 2)).sum() * (u * (u - 1) * (u - 2)).sum()
    variance = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    return float(s / math.sqrt(variance))


@dataclass
class KendallTest:
    tau_b: float
    p: float
    exact: bool
    statistic: tuple[str, float]  # ("T", concordant pairs) when exact, else ("z", z)


def kendall_test(xs: np.ndarray, ys: np.ndarray, alternative: str) -> KendallTest:
    """τb and its p as R's `cor.test(method = "kendall")`: exact without ties for fewer than
    50 pairs, otherwise the normal approximation with the ties' variance correction."""
    n = len(xs)
    exact = n < KENDALL_EXACT_BELOW and len(tie_sizes(xs)) == 0 and len(tie_sizes(ys)) == 0
    method = "exact" if exact else "asymptotic"
    test = stats.kendalltau(xs, ys, alternative=alternative, method=method)
    tau, p = float(test.statistic), float(test.pvalue)
    if exact:  # R's statistic T: the number of concordant pairs
        return KendallTest(tau, p, True, ("T", float(round((tau + 1) * n * (n - 1) / 4))))
    return KendallTest(tau, p, False, ("z", kendall_z(xs, ys, tau)))
