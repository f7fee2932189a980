"""Exact p-values by enumerating every possible outcome: the tables with a contingency table's
margins (Fisher's exact test for tables larger than 2 × 2) and the ways N observations can fall
into k categories (the exact multinomial test).

Neither SciPy 1.17 nor statsmodels has these exactly: SciPy's `fisher_exact` estimates an r × c
table's p by Monte Carlo (or by permuting all N! orderings), and no library in the kernel has an
exact multinomial test. The outcomes are enumerated here, vectorized with NumPy (one array
step per cell, no loop over outcomes), and their probabilities come from SciPy's own
distributions (`multivariate_hypergeom`, `multinomial`). The p-value is the total probability
of the outcomes no more likely than the observed one, with R's tolerance for ties
(`fisher.test`: a relative 1e-7).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

# Largest number of outcomes (partial tables at any step) held in memory at once: a few tens
# of MB and about a second.
LIMIT = 1_000_000
# Outcomes count as "no more likely" up to this relative error, as in R's fisher.test.
RELATIVE_ERROR = 1 + 1e-7


class TooManyOutcomes(Exception):
    """The enumeration would exceed `LIMIT` outcomes."""


def _expand(upper: np.ndarray, lower: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """For each state i, every value from lower[i] to upper[i]: (state index, value)."""
    counts = upper - lower + 1
    total = int(counts.sum())
    if total > limit:
        raise TooManyOutcomes
    index = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    values = lower[index] + (np.arange(total) - starts)
    return index, values


def _p_from_log_probabilities(log_p: np.ndarray, observed: float) -> float:
    threshold = observed + math.log(RELATIVE_ERROR)
    return float(min(1.0, np.exp(log_p[log_p <= threshold]).sum()))


def fisher_rxc_p(table: np.ndarray, *, limit: int = LIMIT) -> float:
    """Fisher's exact p for an r × c table of counts (every margin > 0): the probability,
    given the margins, of all tables no more likely than `table` (Freeman & Halton, 1951).

    A table's probability given its margins is the product over its columns of the
    multivariate hypergeometric probability of that column, drawn from what the rows have
    left. Raises `TooManyOutcomes` when there are more than `limit` tables."""
    table = np.asarray(table, dtype=np.int64)
    if table.shape[0] > table.shape[1]:
        table = table.T  # fewer rows: fewer cells to enumerate per column
    n_rows = table.shape[0]
    columns = table.sum(axis=0)
    remaining = table.sum(axis=1)[np.newaxis, :]  # row totals left, one row per partial table
    log_p = np.zeros(1)
    observed_log_p = 0.0
    observed_left = table.sum(axis=1)
    for j, column_total in enumerate(columns[:-1]):
        start = remaining
        left_in_column = np.full(len(start), column_total, dtype=np.int64)
        cells = np.empty((len(start), 0), dtype=np.int64)
        for i in range(n_rows - 1):
            below = remaining[:, i + 1 :].sum(axis=1)
            lower = np.maximum(0, left_in_column - below)
            upper = np.minimum(remaining[:, i], left_in_column)
            index, values = _expand(upper, lower, limit)
            start, remaining, log_p = start[index], remaining[index], log_p[index]
            cells, left_in_column = cells[index], left_in_column[index] - values
            cells = np.column_stack([cells, values])
            remaining = remaining.copy()
            remaining[:, i] -= values
        cells = np.column_stack([cells, left_in_column])
        remaining = remaining.copy()
        remaining[:, n_rows - 1] -= left_in_column
        log_p = log_p + stats.multivariate_hypergeom.logpmf(cells, m=start, n=column_total)
        observed_log_p += float(
            stats.multivariate_hypergeom.logpmf(table[:, j], m=observed_left, n=column_total)
        )
        observed_left = observed_left - table[:, j]
    # the last column takes what the rows have left: probability 1
    return _p_from_log_probabilities(np.atleast_1d(log_p), observed_log_p)


def multinomial_p(counts: np.ndarray, proportions: np.ndarray, *, limit: int = LIMIT) -> float:
    """The exact multinomial test's p: the total probability of every way of putting the N
    observations into the k categories that is no more likely than the observed counts, under
    the expected `proportions` (all > 0). Raises `TooManyOutcomes` beyond `limit` outcomes."""
    counts = np.asarray(counts, dtype=np.int64)
    n, k = int(counts.sum()), len(counts)
    if number_of_outcomes(n, k) > limit:
        raise TooManyOutcomes
    left = np.array([n], dtype=np.int64)
    outcomes = np.empty((1, 0), dtype=np.int64)
    for _ in range(k - 1):
        index, values = _expand(left, np.zeros_like(left), limit)
        outcomes = np.column_stack([outcomes[index], values])
        left = left[index] - values
    outcomes = np.column_stack([outcomes, left])
    log_p = stats.multinomial.logpmf(outcomes, n=n, p=proportions)
    observed = float(stats.multinomial.logpmf(counts, n=n, p=proportions))
    return _p_from_log_probabilities(np.atleast_1d(log_p), observed)


def number_of_outcomes(n: int, k: int) -> int:
    """How many ways N observations can fall into k categories (stars and bars)."""
    return math.comb(n + k - 1, k - 1)
