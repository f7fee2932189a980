"""Confidence intervals for effect sizes by inverting a noncentral distribution (Steiger &
Fouladi, 1997; Smithson, 2003): the noncentrality parameters whose distribution puts the
observed statistic at the upper and lower tail. The same method as R's MBESS and effectsize.

SciPy's noncentral distributions (`nct`, `ncf`, `ncx2`) and its root finder (`brentq`) do
the work; nothing here is a hand-written distribution or optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import optimize, stats

Bounds = tuple[float, float]


def _solve(cdf: Callable[[float], float], target: float, low: float, high: float) -> float:
    """The noncentrality where `cdf` (decreasing in it) equals `target`, bracketed by
    widening `high` (and lowering `low` for the t distribution)."""

    def gap(ncp: float) -> float:
        return cdf(ncp) - target

    for _ in range(60):
        if gap(low) >= 0 >= gap(high):
            return float(optimize.brentq(gap, low, high, xtol=1e-12, rtol=1e-12, maxiter=500))
        if gap(high) > 0:
            high = high * 2 + 1
        if gap(low) < 0:
            low = low * 2 - 1
    return math.nan


def t_noncentrality(t: float, df: float, level: float = 0.95) -> Bounds:
    """Bounds for the noncentrality parameter of a t statistic."""
    if not (math.isfinite(t) and df > 0):
        return (math.nan, math.nan)
    if t < 0:
        # SciPy's nct.cdf returns NaN far in the lower tail of a negative t (t = −2.7, df = 15,
        # ncp = 12), which stops the root finder; the t distribution's symmetry
        # (cdf(t; ncp) = 1 − cdf(−t; −ncp)) gives the bounds from those of −t.
        low, high = t_noncentrality(-t, df, level)
        return (-high, -low)
    tail = (1 - level) / 2
    width = abs(t) + 10

    def cdf(ncp: float) -> float:
        return float(stats.nct.cdf(t, df, ncp))

    low = _solve(cdf, 1 - tail, t - width, t + width)
    high = _solve(cdf, tail, t - width, t + width)
    return (low, high)


def f_noncentrality(f: float, df1: float, df2: float, level: float = 0.95) -> Bounds:
    """Bounds (≥ 0) for the noncentrality parameter λ of an F statistic, for an interval at
    `level` (two-sided: each tail holds (1 − level) / 2, as MBESS and effectsize use with
    `alternative="two.sided"`)."""
    if not (math.isfinite(f) and df1 > 0 and df2 > 0):
        return (math.nan, math.nan)
    tail = (1 - level) / 2

    def cdf(ncp: float) -> float:
        if ncp > 0:
            return float(stats.ncf.cdf(f, df1, df2, ncp))
        return float(stats.f.cdf(f, df1, df2))

    start = max(f * df1, 1.0) * 4 + 10
    low = 0.0 if cdf(0.0) < 1 - tail else _solve(cdf, 1 - tail, 0.0, start)
    high = 0.0 if cdf(0.0) < tail else _solve(cdf, tail, 0.0, start)
    return (low, high)


def chi2_noncentrality(chi2: float, df: float, level: float = 0.95) -> Bounds:
    """Bounds (≥ 0) for the noncentrality parameter λ of a χ² statistic."""
    if not (math.isfinite(chi2) and df > 0):
        return (math.nan, math.nan)
    tail = (1 - level) / 2

    def cdf(ncp: float) -> float:
        return float(stats.ncx2.cdf(chi2, df, ncp)) if ncp > 0 else float(stats.chi2.cdf(chi2, df))

    start = max(chi2, 1.0) * 4 + 10
    low = 0.0 if cdf(0.0) < 1 - tail else _solve(cdf, 1 - tail, 0.0, start)
    high = 0.0 if cdf(0.0) < tail else _solve(cdf, tail, 0.0, start)
    return (low, high)


def variance_explained_bounds(f: float, df1: float, df2: float, level: float = 0.95) -> Bounds:
    """A CI for the share of variance an F test's effect explains (partial η², or η² and ω² from
    the F they imply): each noncentrality bound λ as λ / (λ + df2), as R's
    effectsize::F_to_eta2 converts them (Steiger, 2004, Psychological Methods 9, 164)."""
    low, high = f_noncentrality(f, df1, df2, level)
    return (low / (low + df2), high / (high + df2))
