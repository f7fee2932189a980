"""Post hoc comparisons after a one-way ANOVA or a Kruskal-Wallis test: every pair of groups,
its difference, the interval and the adjusted p-value.

    tukey_hsd(df, outcome="belonging", group="programme")        # equal variances
    games_howell(df, outcome="belonging", group="programme")     # unequal variances
    dunn_test(df, outcome="belonging", group="programme")        # ranks, Holm-adjusted
    post_hoc_tests(df, outcome="belonging", group="programme", method="games-howell")

Pairs are named `"Psychology vs Sociology"`, the first group coming earlier in the order of
groups (`groups=[...]`, else the column's own order), and a difference is the first group
minus the second: positive when the first group scored higher. Per pair, `values` holds
`difference[A vs B]`, `se[A vs B]`, `statistic[A vs B]`, `p[A vs B]` (adjusted: the one to
report), `ci_low[A vs B]`, `ci_high[A vs B]` where an interval is defined, `df[A vs B]`
(Games-Howell) and `p_unadjusted[A vs B]` (Dunn).

The same tables join `one_way_anova(..., post_hoc="tukey")` and its siblings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from datadive.analysis import apa
from datadive.analysis.anova.group_statistics import (
    Moments,
    Ranks,
    mean_table,
    mean_values,
    moments,
    rank_table,
    rank_values,
    ranks,
)
from datadive.analysis.assumptions import (
    ALPHA,
    enough_per_group,
    equal_variances,
    normality_by_group,
)
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import Groups, split_groups

PAIR = " vs "
LEVEL = 0.95
# Dunn's p adjustments, by the name a user gives and statsmodels' name.
ADJUSTMENTS = {"holm": "holm", "bonferroni": "bonferroni", "none": None}
ADJUSTMENT_NAMES = {"holm": "Holm", "bonferroni": "Bonferroni", "none": "no"}


@dataclass
class Comparisons:
    """The pairwise table of one post hoc method, ready to join a result."""

    method: str  # "Tukey HSD"
    table: pd.DataFrame  # one row per pair, index "Comparison"
    values: dict[str, Any]
    notes: list[str]
    report: str  # a sentence for the write-up

    @property
    def title(self) -> str:
        return f"Post hoc comparisons ({self.method})"


def _pairs(groups: Groups) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Indices of every pair (first, second) in order, and the pairs' names."""
    first, second = np.triu_indices(len(groups.names), k=1)
    names = [str(n) for n in groups.names]
    return (
        first,
        second,
        [f"{names[i]}{PAIR}{names[j]}" for i, j in zip(first, second, strict=True)],
    )


def _pair_values(table: pd.DataFrame, columns: dict[str, str]) -> dict[str, Any]:
    """`values` keys per pair: `p[A vs B]` … from the table's columns."""
    values: dict[str, Any] = {}
    for key, column in columns.items():
        if column not in table:
            continue
        for pair, value in table[column].items():
            values[f"{key}[{pair}]"] = float(value)
    return values


def _significant_sentence(
    method: str, outcome: str, table: pd.DataFrame, *, difference: str, verb: str, detail: Any
) -> str:
    """`Tukey HSD comparisons showed that belonging was higher in Psychology than in
    Sociology (…) and in Psychology than in Economics (…); the other difference was not
    significant.` (`table["p"]` is the adjusted p.)"""
    found = []
    for pair, row in table.iterrows():
        if row["p"] < ALPHA:
            first, second = str(pair).split(PAIR, 1)
            if row[difference] < 0:
                first, second = second, first
            found.append(f"in {first} than in {second} ({detail(row)})")
    if not found:
        return (
            f"{method} comparisons found no pair of groups whose {outcome} differed significantly."
        )
    text = f"{method} comparisons showed that {outcome} {verb} " + " and ".join(found)
    rest = len(table) - len(found)
    if rest == 1:
        text += "; the other difference was not significant"
    elif rest:
        text += "; the other differences were not significant"
    return text + "."


def _mean_detail(row: pd.Series) -> str:
    """The pair's numbers with the higher group first (the sentence names it first)."""
    sign = -1.0 if row["Difference"] < 0 else 1.0
    low, high = sorted((sign * row["95% CI low"], sign * row["95% CI high"]))
    return (
        f"M difference = {apa.number(sign * row['Difference'])}, "
        f"{apa.interval(low, high)}, {apa.p_phrase(row['p'])}"
    )


def tukey_comparisons(groups: Groups, summary: Moments) -> Comparisons:
    """Tukey's HSD (Tukey-Kramer for unequal groups) with SciPy's `stats.tukey_hsd`; SE and t
    from the pooled within-group variance (as R's TukeyHSD, whose q is t √2)."""
    first, second, names = _pairs(groups)
    test = stats.tukey_hsd(*groups.values.values())
    interval = test.confidence_interval(LEVEL)
    n, var = summary.n, summary.var
    pooled = float(((n - 1) * var).sum() / (n.sum() - len(n)))
    se = np.sqrt(pooled * (1 / n[first] + 1 / n[second]))
    difference = test.statistic[first, second]
    table = pd.DataFrame(
        {
            "Difference": difference,
            "SE": se,
            "t": difference / se,
            "p": test.pvalue[first, second],
            "95% CI low": interval.low[first, second],
            "95% CI high": interval.high[first, second],
        },
        index=pd.Index(names, name="Comparison"),
    )
    notes = [
        f"Tukey HSD: p-values and 95% CIs are adjusted for comparing {len(n)} groups "
        "(studentized range distribution, pooled variance). A positive difference: the first "
        "group scored higher."
    ]
    report = _significant_sentence(
        "Tukey HSD",
        groups.outcome,
        table,
        difference="Difference",
        verb="was higher",
        detail=_mean_detail,
    )
    return Comparisons("Tukey HSD", table, _pair_values(table, MEAN_KEYS), notes, report)


MEAN_KEYS = {
    "difference": "Difference",
    "se": "SE",
    "statistic": "t",
    "df": "df",
    "p": "p",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
}


def games_howell_comparisons(groups: Groups, summary: Moments) -> Comparisons:
    """Games & Howell (1976): each pair's Welch standard error and degrees of freedom; p and
    interval from the studentized range distribution (SciPy's `stats.studentized_range`)."""
    n, mean, var = summary.n, summary.mean, summary.var
    constant = [str(name) for name, v in zip(groups.names, var, strict=True) if v == 0]
    if constant:
        raise AnalysisError(
            f"The group {constant[0]!r} has the same value of {groups.outcome!r} in every row, "
            "so the Games-Howell test, which weighs each group by its variance, cannot be "
            "computed. Use tukey_hsd or dunn_test instead."
        )
    first, second, names = _pairs(groups)
    k = len(n)
    share = var / n
    se = np.sqrt(share[first] + share[second])
    # Welch-Satterthwaite degrees of freedom per pair (Games & Howell, 1976, p. 114).
    df = (share[first] + share[second]) ** 2 / (
        share[first] ** 2 / (n[first] - 1) + share[second] ** 2 / (n[second] - 1)
    )
    difference = mean[first] - mean[second]
    t = difference / se
    p = stats.studentized_range.sf(np.abs(t) * np.sqrt(2), k, df)
    margin = stats.studentized_range.ppf(LEVEL, k, df) / np.sqrt(2) * se
    table = pd.DataFrame(
        {
            "Difference": difference,
            "SE": se,
            "t": t,
            "df": df,
            "p": p,
            "95% CI low": difference - margin,
            "95% CI high": difference + margin,
        },
        index=pd.Index(names, name="Comparison"),
    )
    notes = [
        f"Games-Howell: p-values and 95% CIs are adjusted for comparing {k} groups "
        "(studentized range distribution) without assuming equal variances, with each pair's "
        "Welch degrees of freedom. A positive difference: the first group scored higher."
    ]
    report = _significant_sentence(
        "Games-Howell",
        groups.outcome,
        table,
        difference="Difference",
        verb="was higher",
        detail=_mean_detail,
    )
    return Comparisons("Games-Howell", table, _pair_values(table, MEAN_KEYS), notes, report)


def check_adjustment(adjust: str) -> str:
    key = str(adjust).strip().lower()
    if key not in ADJUSTMENTS:
        raise AnalysisError(
            f"adjust must be one of {', '.join(map(repr, ADJUSTMENTS))}, not {adjust!r}."
        )
    return key


def dunn_comparisons(groups: Groups, ranked: Ranks, *, adjust: str = "holm") -> Comparisons:
    """Dunn (1964): mean ranks of all values ranked together, z with the tie correction, a
    two-sided normal p, adjusted with statsmodels' `multipletests` (Holm by default)."""
    key = check_adjustment(adjust)
    first, second, names = _pairs(groups)
    n, total = ranked.n, ranked.total
    ties = ranked.tie_counts
    # Dunn (1964, p. 244) with the correction for ties of Zar (2010, eq. 11.28).
    tie_term = (ties**3 - ties).sum() / (12 * (total - 1))
    variance = (total * (total + 1) / 12 - tie_term) * (1 / n[first] + 1 / n[second])
    difference = ranked.mean_rank[first] - ranked.mean_rank[second]
    z = difference / np.sqrt(variance)
    p = 2 * stats.norm.sf(np.abs(z))
    method = ADJUSTMENTS[key]
    adjusted = multipletests(p, method=method)[1] if method else p
    shown = ADJUSTMENT_NAMES[key]
    table = pd.DataFrame(
        {"Mean rank difference": difference, "z": z, "p (unadjusted)": p},
        index=pd.Index(names, name="Comparison"),
    )
    if method:
        table[f"p ({shown})"] = adjusted
    how = f"adjusted with {shown}'s method" if method else "not adjusted"
    notes = [
        f"Dunn's test on mean ranks (all values ranked together, ties corrected); p-values "
        f"{how} for {len(names)} comparisons. A positive difference: the first group ranked "
        "higher."
    ]
    reported = table.assign(p=adjusted)

    def detail(row: pd.Series) -> str:
        return f"z = {apa.number(abs(row['z']))}, {apa.p_phrase(row['p'])}"

    label = f"{shown}-adjusted Dunn" if method else "Unadjusted Dunn"
    report = _significant_sentence(
        label,
        groups.outcome,
        reported,
        difference="Mean rank difference",
        verb="ranked higher",
        detail=detail,
    )
    keys = {"difference": "Mean rank difference", "statistic": "z", "p": "p"}
    values = _pair_values(reported, keys | {"p_unadjusted": "p (unadjusted)"})
    method_name = f"Dunn's test, {shown} adjustment" if method else "Dunn's test, unadjusted"
    return Comparisons(method_name, table, values, notes, report)


def _result(
    groups: Groups,
    comparisons: Comparisons,
    descriptives: pd.DataFrame,
    group_values: dict[str, Any],
    checks: Sequence[Check | None],
) -> Result:
    values: dict[str, Any] = {
        "analysis": comparisons.method,
        "n": groups.n,
        "n_missing": groups.n_missing,
    }
    if "95% CI low" in comparisons.table:
        values["ci_level"] = LEVEL
    values |= group_values | comparisons.values
    return Result(
        title=f"{comparisons.title}: {groups.outcome} by {groups.column}",
        tables={comparisons.method: comparisons.table, "Descriptives": descriptives},
        values=values,
        report=comparisons.report,
        checks=[c for c in checks if c is not None],
        notes=[groups.note(), *comparisons.notes],
    )


def tukey_hsd(
    df: pd.DataFrame, outcome: str, group: str, *, groups: Sequence[Any] | str | None = None
) -> Result:
    """Tukey's HSD: every pair of groups, assuming equal variances (R: `TukeyHSD`)."""
    split = split_groups(df, outcome, group, groups=groups)
    summary = moments(split)
    checks = [
        *normality_by_group(split.values, outcome=outcome, alternative="dunn_test"),
        equal_variances(split.values, alternative="games_howell"),
        enough_per_group(split.values),
    ]
    comparisons = tukey_comparisons(split, summary)
    table = mean_table(split, summary)
    return _result(split, comparisons, table, mean_values(split, summary), checks)


def games_howell(
    df: pd.DataFrame, outcome: str, group: str, *, groups: Sequence[Any] | str | None = None
) -> Result:
    """Games-Howell: every pair of groups, without assuming equal variances
    (R: `rstatix::games_howell_test`)."""
    split = split_groups(df, outcome, group, groups=groups)
    summary = moments(split)
    checks = [
        *normality_by_group(split.values, outcome=outcome, alternative="dunn_test"),
        equal_variances(split.values, used=False),
        enough_per_group(split.values),
    ]
    comparisons = games_howell_comparisons(split, summary)
    table = mean_table(split, summary)
    return _result(split, comparisons, table, mean_values(split, summary), checks)


def dunn_test(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: Sequence[Any] | str | None = None,
    adjust: str = "holm",
) -> Result:
    """Dunn's test on ranks: every pair of groups, p adjusted by `adjust` ("holm",
    "bonferroni" or "none") (R: `rstatix::dunn_test`)."""
    check_adjustment(adjust)
    split = split_groups(df, outcome, group, groups=groups, smallest=1)
    ranked = ranks(split)
    comparisons = dunn_comparisons(split, ranked, adjust=adjust)
    table = rank_table(split, ranked)
    checks = [enough_per_group(split.values)]
    return _result(split, comparisons, table, rank_values(split, table), checks)


METHODS = {"tukey": tukey_hsd, "games-howell": games_howell, "dunn": dunn_test}


def post_hoc_tests(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    method: str = "tukey",
    groups: Sequence[Any] | str | None = None,
) -> Result:
    """Every pair of groups by `method`: "tukey" (`tukey_hsd`), "games-howell"
    (`games_howell`) or "dunn" (`dunn_test`, Holm-adjusted), as a form chooses it."""
    key = str(method).strip().lower().replace("_", "-").replace(" ", "-")
    if key not in METHODS:
        raise AnalysisError(f"method must be 'tukey', 'games-howell' or 'dunn', not {method!r}.")
    return METHODS[key](df, outcome, group, groups=groups)
