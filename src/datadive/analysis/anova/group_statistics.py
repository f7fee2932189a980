"""Per-group numbers that the one-way analyses and their post hoc tests share: sizes, means,
variances and the descriptives table; ranks of all values ranked together, mean ranks and
medians. Computed once per analysis on the groups' arrays (no loops over rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis.selection import Groups


@dataclass(frozen=True)
class Moments:
    """Each group's size, mean and variance (n − 1 in the denominator), in group order."""

    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    sd: np.ndarray
    se: np.ndarray


def moments(groups: Groups) -> Moments:
    samples = list(groups.values.values())
    n = np.array([len(s) for s in samples], dtype=float)
    mean = np.array([s.mean() for s in samples])
    var = np.array([s.var(ddof=1) if len(s) > 1 else np.nan for s in samples])
    sd = np.sqrt(var)
    return Moments(n=n, mean=mean, var=var, sd=sd, se=sd / np.sqrt(n))


def mean_table(groups: Groups, summary: Moments) -> pd.DataFrame:
    """Descriptives: n, M, SD and SE per group, rows named by the groups."""
    return pd.DataFrame(
        {"n": summary.n.astype(int), "M": summary.mean, "SD": summary.sd, "SE": summary.se},
        index=pd.Index(groups.names, name=groups.column),
    )


def mean_values(groups: Groups, summary: Moments) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, name in enumerate(groups.names):
        values[f"n[{name}]"] = int(summary.n[i])
        values[f"mean[{name}]"] = float(summary.mean[i])
        values[f"sd[{name}]"] = float(summary.sd[i])
        values[f"se[{name}]"] = float(summary.se[i])
    return values


@dataclass(frozen=True)
class Ranks:
    """All values ranked together (average ranks for ties), in group order."""

    ranks: np.ndarray
    n: np.ndarray  # group sizes
    mean_rank: np.ndarray
    tie_counts: np.ndarray  # how many values share each distinct rank

    @property
    def total(self) -> int:
        return len(self.ranks)


def ranks(groups: Groups) -> Ranks:
    samples = list(groups.values.values())
    n = np.array([len(s) for s in samples], dtype=float)
    ranked = stats.rankdata(np.concatenate(samples))
    starts = np.r_[0, np.cumsum(n)[:-1]].astype(int)
    mean_rank = np.add.reduceat(ranked, starts) / n
    _, tie_counts = np.unique(ranked, return_counts=True)
    return Ranks(ranks=ranked, n=n, mean_rank=mean_rank, tie_counts=tie_counts.astype(float))


def rank_table(groups: Groups, ranked: Ranks) -> pd.DataFrame:
    """Descriptives for rank tests: n, median and mean rank per group."""
    medians = [float(np.median(v)) for v in groups.values.values()]
    return pd.DataFrame(
        {"n": ranked.n.astype(int), "Mdn": medians, "Mean rank": ranked.mean_rank},
        index=pd.Index(groups.names, name=groups.column),
    )


def rank_values(groups: Groups, table: pd.DataFrame) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, row in zip(groups.names, table.itertuples(index=False), strict=True):
        values[f"n[{name}]"] = int(row[0])
        values[f"median[{name}]"] = float(row[1])
        values[f"mean_rank[{name}]"] = float(row[2])
    return values
