"""Correlations: how strongly numeric columns go together.

    pearson(df, "sleep", "wellbeing")                     # r, t, p, 95% CI by Fisher's z
    spearman(df, "sleep", "wellbeing")                    # ρ on ranks, CI by Bonett & Wright
    kendall_tau(df, "sleep", "wellbeing")                 # τb, exact p when R gives one
    partial_correlation(df, "sleep", "wellbeing", controls=["stress"])
    correlation_matrix(df, ["sleep", "wellbeing", "stress"], method="spearman")

Each leaves out the rows with a missing value in one of its columns (listwise; the matrix
pairwise, per pair) and says how many. The numbers match R's `cor.test` (Spearman with
`exact = FALSE`), `psych::partial.r` with `psych::corr.p`, and `psych::corr.test`
(tests/analysis/reference/correlation.R).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis import apa
from datadive.analysis.assumptions import normality
from datadive.analysis.columns import column_info
from datadive.analysis.relations.correlation_numbers import (
    fisher_interval,
    kendall_test,
    standard_error,
    t_from_r,
)
from datadive.analysis.relations.correlation_results import (
    ALTERNATIVES,
    METHODS,
    Pairs,
    matrix_result,
    p_and_ci,
    pair_result,
    sentence,
)
from datadive.analysis.results import AnalysisError, Result
from datadive.analysis.selection import (
    at_least,
    not_constant,
    numbers_of,
    require_columns,
)


def _alternative(alternative: str) -> str:
    if alternative not in ALTERNATIVES:
        raise AnalysisError(
            f"alternative must be 'two-sided', 'greater' (a positive correlation) or 'less' "
            f"(a negative correlation), not {alternative!r}."
        )
    return alternative


def _level(ci_level: float) -> float:
    if not 0 < ci_level < 1:
        raise AnalysisError(f"ci_level must lie between 0 and 1 (0.95 for 95%), not {ci_level}.")
    return float(ci_level)


def _pairs(frame: pd.DataFrame, x: str, y: str, *, smallest: int = 3) -> Pairs:
    require_columns(frame, x, y)
    if x == y:
        raise AnalysisError(f"Choose two different columns to correlate; both are {x!r}.")
    xs = numbers_of(frame, x, role="first column of a correlation").to_numpy()
    ys = numbers_of(frame, y, role="second column of a correlation").to_numpy()
    both = ~(np.isnan(xs) | np.isnan(ys))
    n = int(both.sum())
    at_least(n, smallest, f"rows of {x!r} and {y!r}")
    if n < len(both):  # copies only when values are missing
        xs, ys = xs[both], ys[both]
    not_constant(xs, x)
    not_constant(ys, y)
    return Pairs(x, y, xs, ys, len(both) - n)


def pearson(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    alternative: str = "two-sided",
    ci_level: float = 0.95,
) -> Result:
    """Pearson's r between two numeric columns, its t test (df = n − 2) and a CI by Fisher's
    z, as R's `cor.test`. `alternative`: "two-sided", "greater" (r > 0) or "less" (r < 0).
    Checks the normality of each column (Shapiro-Wilk; suggests `spearman`)."""
    alternative, level = _alternative(alternative), _level(ci_level)
    pairs = _pairs(df, x, y)
    test = stats.pearsonr(pairs.xs, pairs.ys, alternative=alternative)
    r, p, dof = float(test.statistic), float(test.pvalue), pairs.n - 2
    t = t_from_r(r, dof)
    # R's cor.test: Fisher's z with SE 1/√(n − 3)
    ci = fisher_interval(r, standard_error(1, pairs.n - 3), level, alternative)
    checks = [
        normality(pairs.xs, what=x, alternative="spearman"),
        normality(pairs.ys, what=y, alternative="spearman"),
    ]
    numbers = p_and_ci(p, *ci, level, alternative)
    return pair_result(
        df,
        pairs,
        analysis="Pearson correlation",
        symbol="r",
        r=r,
        p=p,
        ci=ci,
        level=level,
        alternative=alternative,
        statistic=("t", t, dof),
        extra={"r": r, "t": t},
        checks=checks,
        notes=[f"The {round(level * 100):g}% CI of r is by Fisher's z transformation."],
        report=sentence(
            "Pearson correlation",
            pairs,
            statistic=apa.statistic_phrase("r", r, dof),
            numbers=numbers,
            p=p,
            r=r,
        ),
    )


def spearman(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    alternative: str = "two-sided",
    ci_level: float = 0.95,
) -> Result:
    """Spearman's ρ (Pearson's r of the ranks; ties get their mean rank) with p from the t
    approximation (df = n − 2), as R's `cor.test(method = "spearman", exact = FALSE)` and SPSS,
    and a CI by Fisher's z with Bonett & Wright's (2000) standard error √((1 + ρ²/2)/(n − 3))."""
    alternative, level = _alternative(alternative), _level(ci_level)
    pairs = _pairs(df, x, y)
    test = stats.spearmanr(pairs.xs, pairs.ys, alternative=alternative)
    rho, p, dof = float(test.statistic), float(test.pvalue), pairs.n - 2
    t = t_from_r(rho, dof)
    # Bonett, D. G. & Wright, T. A. (2000). Psychometrika, 65(1), 23-28, eq. 2 and Table 1.
    ci = fisher_interval(rho, standard_error(1 + rho * rho / 2, pairs.n - 3), level, alternative)
    numbers = p_and_ci(p, *ci, level, alternative)
    return pair_result(
        df,
        pairs,
        analysis="Spearman correlation",
        symbol="ρ",
        r=rho,
        p=p,
        ci=ci,
        level=level,
        alternative=alternative,
        statistic=("t", t, dof),
        extra={"rho": rho, "t": t, "p_method": "t approximation"},
        notes=[
            "p is from the t approximation (df = n − 2). The CI is by Fisher's z with "
            "Bonett and Wright's (2000) standard error."
        ],
        report=sentence(
            "Spearman correlation",
            pairs,
            statistic=apa.statistic_phrase("ρ", rho, dof),
            numbers=numbers,
            p=p,
            r=rho,
        ),
    )


def kendall_tau(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    alternative: str = "two-sided",
    ci_level: float = 0.95,
) -> Result:
    """Kendall's τb (corrected for ties), with p as R's `cor.test(method = "kendall")`: exact
    without ties for fewer than 50 pairs (statistic T, the concordant pairs), else the normal
    approximation (z). The CI is by Fisher's z with the standard error √(.437/(n − 4))
    (Fieller, Hartley & Pearson, 1957), as Bonett & Wright (2000) recommend."""
    alternative, level = _alternative(alternative), _level(ci_level)
    pairs = _pairs(df, x, y)
    found = kendall_test(pairs.xs, pairs.ys, alternative)
    tau, p = found.tau_b, found.p
    # Fieller, Hartley & Pearson (1957), Biometrika 44, 470-481; Bonett & Wright (2000), p. 25.
    ci = fisher_interval(tau, standard_error(0.437, pairs.n - 4), level, alternative)
    name, value = found.statistic
    how = (
        "exact (no ties, fewer than 50 pairs)"
        if found.exact
        else "from the normal approximation, corrected for ties"
    )
    numbers = p_and_ci(p, *ci, level, alternative)
    return pair_result(
        df,
        pairs,
        analysis="Kendall correlation",
        symbol="τb",
        r=tau,
        p=p,
        ci=ci,
        level=level,
        alternative=alternative,
        statistic=(name, value, None),
        extra={
            "tau_b": tau,
            name: value,
            "p_method": "exact" if found.exact else "normal approximation",
        },
        notes=[
            f"p is {how}. The CI is by Fisher's z with the standard error √(.437/(n − 4)) "
            "(Fieller, Hartley & Pearson, 1957)."
        ],
        report=sentence(
            "Kendall correlation",
            pairs,
            statistic=apa.statistic_phrase("τb", tau),
            numbers=numbers,
            p=p,
            r=tau,
        ),
    )


def _control_list(controls: Sequence[str] | str | None, x: str, y: str) -> list[str]:
    if isinstance(controls, str):  # one column, or a form's text with commas
        controls = [part.strip() for part in controls.split(",") if part.strip()]
    chosen = list(controls or [])
    if not chosen:
        raise AnalysisError(
            "Choose at least one column to control for (controls=[...]); without one, use pearson."
        )
    if len(set(chosen)) != len(chosen):
        raise AnalysisError("Each control column may be chosen only once.")
    for column in chosen:
        if column in (x, y):
            raise AnalysisError(
                f"{column!r} is one of the two correlated columns, so it cannot also be a control."
            )
    return chosen


def _numeric_control(frame: pd.DataFrame, column: str) -> None:
    """A nominal control with more than two categories has no meaningful numbers."""
    if column_info(frame, column)["measurement"] != "nominal":
        return
    groups = frame[column].dropna().unique()
    if len(groups) > 2:  # two categories are one 0/1 contrast: fine
        raise AnalysisError(
            f"{column!r} is nominal with {len(groups)} categories, so its codes are no "
            "numbers to control for. Control for numeric columns, or for one yes/no column "
            "per category."
        )


def partial_correlation(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    controls: Sequence[str] | str,
    ci_level: float = 0.95,
) -> Result:
    """Pearson's r between `x` and `y` with `controls` held constant: the correlation of
    their residuals after a linear regression on the controls. t and p with df = n − 2 − k
    (k controls) and a CI by Fisher's z with SE 1/√(n − 3 − k), as `psych::partial.r` with
    `psych::corr.p(r, n − k)`. Two-sided."""
    level = _level(ci_level)
    require_columns(df, x, y)
    chosen = _control_list(controls, x, y)
    require_columns(df, *chosen)
    if x == y:
        raise AnalysisError(f"Choose two different columns to correlate; both are {x!r}.")
    for column in chosen:
        _numeric_control(df, column)
    k = len(chosen)
    frame = pd.DataFrame(
        {
            x: numbers_of(df, x, role="first column of a correlation"),
            y: numbers_of(df, y, role="second column of a correlation"),
        }
        | {c: numbers_of(df, c, role="control column") for c in chosen}
    )
    values = frame.to_numpy()
    used = values[~np.isnan(values).any(axis=1)]
    n = len(used)
    at_least(n, k + 4, f"rows with values in {x!r}, {y!r} and the {k} control(s)")
    for index, column in enumerate(frame.columns):
        not_constant(used[:, index], column)
    design = np.column_stack([np.ones(n), used[:, 2:]])
    coefficients, _, rank, _ = np.linalg.lstsq(design, used[:, :2], rcond=None)
    if rank < k + 1:
        raise AnalysisError(
            "The control columns are redundant (one is a combination of the others, or a "
            "constant); leave the redundant one out."
        )
    residuals = used[:, :2] - design @ coefficients
    spread = residuals.std(axis=0) / used[:, :2].std(axis=0)
    for column, left in zip((x, y), spread, strict=True):
        if left < 1e-10:
            raise AnalysisError(
                f"The controls predict {column!r} exactly, so nothing is left to correlate."
            )
    ex, ey = residuals[:, 0], residuals[:, 1]
    r = float(ex @ ey / math.sqrt((ex @ ex) * (ey @ ey)))  # residuals have mean 0
    dof = n - 2 - k
    t = t_from_r(r, dof)
    p = float(2 * stats.t.sf(abs(t), dof))
    ci = fisher_interval(r, standard_error(1, n - 3 - k), level, "two-sided")
    zero_order = float(stats.pearsonr(used[:, 0], used[:, 1]).statistic)
    pairs = Pairs(x, y, used[:, 0], used[:, 1], len(df) - n, tuple(chosen))
    names = ", ".join(chosen[:-1]) + (" and " if k > 1 else "") + chosen[-1]
    checks = [
        normality(ex, what=f"{x} controlling for {names}"),
        normality(ey, what=f"{y} controlling for {names}"),
    ]
    return pair_result(
        df,
        pairs,
        analysis="Partial correlation",
        symbol="partial r",
        r=r,
        p=p,
        ci=ci,
        level=level,
        alternative="two-sided",
        statistic=("t", t, dof),
        extra={"r": r, "t": t, "r_zero_order": zero_order, "controls": list(chosen)},
        more_columns={"r (zero-order)": zero_order},
        checks=checks,
        notes=[
            f"Controlling for {names}. r (zero-order): the plain correlation on the same "
            f"rows. The CI is by Fisher's z with n − k = {n - k}."
        ],
        report=sentence(
            "partial correlation",
            pairs,
            statistic=apa.statistic_phrase("r", r, dof),
            numbers=p_and_ci(p, *ci, level, "two-sided"),
            p=p,
            r=r,
            controls=f" controlling for {names}",
        ),
    )


def _matrix_columns(df: pd.DataFrame, columns: Sequence[str] | str) -> list[str]:
    chosen = [columns] if isinstance(columns, str) else list(columns)
    require_columns(df, *chosen)
    if len(set(chosen)) != len(chosen):
        raise AnalysisError("Each column may be chosen only once.")
    if len(chosen) < 2:
        raise AnalysisError("Choose at least two columns to correlate.")
    return chosen


def correlation_matrix(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    method: str = "pearson",
    ci_level: float = 0.95,
) -> Result:
    """The correlation of every pair of `columns` (`method`: "pearson", "spearman" or
    "kendall"), each on the rows with values in both (pairwise complete), with n, two-sided p
    (not adjusted for multiple comparisons) and, for Pearson, a CI by Fisher's z: as
    `psych::corr.test(adjust = "none")` (Kendall: `cor.test` per pair). A heat map shows them."""
    if method not in METHODS:
        raise AnalysisError(f"method must be 'pearson', 'spearman' or 'kendall', not {method!r}.")
    level = _level(ci_level)
    chosen = _matrix_columns(df, columns)
    data = pd.DataFrame({c: numbers_of(df, c, role="a column of a correlation") for c in chosen})
    for column in chosen:
        present = data[column].dropna().to_numpy()
        if len(present) == 0:
            raise AnalysisError(f"{column!r} has no values, so it cannot be correlated.")
        not_constant(present, column)
    present = data.notna().to_numpy(dtype=float)
    counts = present.T @ present  # pairwise complete n
    k = len(chosen)
    rows = []
    if method == "kendall":
        r = np.full((k, k), np.nan)
        p = np.full((k, k), np.nan)
        values = data.to_numpy()
        for i in range(k):
            for j in range(i):
                both = ~(np.isnan(values[:, i]) | np.isnan(values[:, j]))
                if both.sum() >= 3:
                    found = kendall_test(values[both, i], values[both, j], "two-sided")
                    r[i, j] = r[j, i] = found.tau_b
                    p[i, j] = p[j, i] = found.p
    else:
        r = data.corr(method=method, min_periods=3).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r * np.sqrt((counts - 2) / (1 - r * r))
        p = 2 * stats.t.sf(np.abs(t), counts - 2)
    for i in range(k):
        for j in range(i + 1, k):
            n = int(counts[i, j])
            ci = (
                fisher_interval(float(r[i, j]), standard_error(1, n - 3), level, "two-sided")
                if method == "pearson" and math.isfinite(r[i, j])
                else (math.nan, math.nan)
            )
            rows.append((chosen[i], chosen[j], n, float(r[i, j]), *ci, float(p[i, j])))
    return matrix_result(df, data, method=method, level=level, rows=rows, r=r)


def correlation(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    method: str = "pearson",
    alternative: str = "two-sided",
    ci_level: float = 0.95,
) -> Result:
    """The correlation of two columns by `method`, as a form chooses it: "pearson"
    (`pearson`), "spearman" (`spearman`) or "kendall" (`kendall_tau`)."""
    chosen = {"pearson": pearson, "spearman": spearman, "kendall": kendall_tau}.get(
        str(method).strip().lower()
    )
    if chosen is None:
        raise AnalysisError(f"method must be 'pearson', 'spearman' or 'kendall', not {method!r}.")
    return chosen(df, x, y, alternative=alternative, ci_level=ci_level)
