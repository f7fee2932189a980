"""Rank tests: two groups (Mann-Whitney U), two measures of the same people or one sample
against a value (Wilcoxon signed-rank), and the sign test.

    mann_whitney(df, "satisfaction", "programme", groups="Psychology, Sociology")
    wilcoxon_signed_rank(df, "stress_pre", "stress_post")
    sign_test(df, "wellbeing_pre", "wellbeing_post")

The p-values follow R's `wilcox.test` (its defaults): exact when there are fewer than 50
values (per group; non-zero differences for the signed-rank test) and no ties (nor zero
differences), otherwise the normal approximation with the tie correction of the variance and
a continuity correction. The result says which. Effect sizes are the rank-biserial
correlations of R's `effectsize::rank_biserial`, with its confidence intervals (Fisher's z).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis.apa import Kind, effect_phrase, number, p_phrase
from datadive.analysis.relations.correlation_numbers import fisher_interval
from datadive.analysis.results import AnalysisError, Result
from datadive.analysis.ttests.samples import (
    Sample,
    as_number,
    check_alternative,
    ci_text,
    descriptives,
    direction_note,
    finding,
    group_values,
    one_column,
    plain,
    two_columns,
    two_groups,
)

LEVEL = 0.95
EXACT_BELOW = 50  # R's wilcox.test: exact p-values for fewer values than this, without ties
RANK_BISERIAL = "rank-biserial r"
CI = ["95% CI low", "95% CI high"]
EXACT = "exact p-value"
APPROXIMATE = "normal approximation with tie and continuity correction"


def mann_whitney(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: Sequence[Any] | str | None = None,
    alternative: str = "two-sided",
) -> Result:
    """Do two groups differ in `outcome` (ranks: for ordinal data, or numbers far from
    normal)? U is the first group's (R's W); positive r: the first group ranked higher."""
    alternative = check_alternative(alternative)
    split = two_groups(df, outcome, group, groups, smallest=1)
    (name_a, a), (name_b, b) = split.values.items()
    na, nb = len(a), len(b)
    small = na < EXACT_BELOW and nb < EXACT_BELOW
    # Ties matter only where an exact p-value could be computed (a sort of 100,000 values
    # would cost as much as the test).
    ties = small and len(np.unique(np.concatenate([a, b]))) < na + nb
    exact = small and not ties
    test = stats.mannwhitneyu(
        a, b, alternative=alternative, use_continuity=True,
        method="exact" if exact else "asymptotic",
    )  # fmt: skip
    u, p = float(test.statistic), float(test.pvalue)
    # Rank-biserial r = 2U / (n1·n2) − 1 (Kerby, 2014; effectsize's U1/S − U2/S), its CI
    # by Fisher's z with SE √((n1 + n2 + 1) / (3·n1·n2)) (effectsize::rank_biserial).
    r = 2 * u / (na * nb) - 1
    low, high = fisher_interval(r, math.sqrt((na + nb + 1) / (3 * na * nb)), LEVEL, alternative)
    table = descriptives(split.values, median=True)
    table.index.name = group
    a_text, b_text = str(name_a), str(name_b)
    ma, mb = float(np.median(a)), float(np.median(b))
    where = f"{a_text} (Mdn = {number(ma)}) than in {b_text} (Mdn = {number(mb)})"
    clause = finding(
        p,
        alternative,
        r,
        higher=f"{outcome} was higher in {where}",
        lower=f"{outcome} was lower in {where}",
        none=f"{outcome} did not differ significantly between {a_text} (Mdn = {number(ma)}) "
        f"and {b_text} (Mdn = {number(mb)})",
        not_higher=f"{outcome} was not significantly higher in {where}",
        not_lower=f"{outcome} was not significantly lower in {where}",
    )
    method = EXACT if exact else APPROXIMATE
    report = (
        f"A Mann-Whitney U test showed that {clause}, U = {number(u)}, {p_phrase(p)}, "
        f"{_effect(r, low, high)}."
    )
    notes = [
        split.note(),
        f"U is the Mann-Whitney U of {a_text} (R's W); p: {method}. Positive rank-biserial "
        f"r: {a_text} ranked higher than {b_text}.",
    ]
    if ties:
        notes.append("Tied values: no exact p-value; the normal approximation was used.")
    values = _values("Mann-Whitney U test", (u, "U", p), (r, low, high), split.n, split.n_missing)
    values |= {"exact": exact, "alternative": alternative, "group_1": a_text, "group_2": b_text}
    hypothesis = f"{outcome} in {a_text} tends to be {_word(alternative)} than in {b_text}"
    return _result(
        "Mann-Whitney U test",
        tables={
            "Mann-Whitney U test": pd.DataFrame(
                {"U": [u], "p": [p], "p-value": [method]}, index=[outcome]
            ),
            "Descriptives": table,
        },
        values=values | group_values(table),
        report=report,
        notes=notes + _one_sided(alternative, hypothesis),
    )


def wilcoxon_signed_rank(
    df: pd.DataFrame,
    first: str,
    second: str | None = None,
    *,
    mu: float = 0,
    alternative: str = "two-sided",
) -> Result:
    """Do two measures of the same people differ (`first` − `second`), or does one column
    differ from `mu`? V is the sum of the ranks of the positive differences (R's V);
    zero differences are left out (as R's wilcox.test)."""
    alternative = check_alternative(alternative)
    mu = as_number(mu, "mu")
    sample = _differences(df, first, second, smallest=1)
    d = sample.values - mu
    nonzero = d[d != 0]
    n = len(nonzero)
    if n == 0:
        raise AnalysisError(
            f"Every difference is zero ({_what(first, second, mu)}), so there is nothing to rank."
        )
    ranks = stats.rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    zeros = len(d) - n
    exact = n < EXACT_BELOW and not zeros and len(np.unique(ranks)) == n
    test = stats.wilcoxon(
        nonzero, alternative=alternative, zero_method="wilcox", correction=True,
        method="exact" if exact else "approx",
    )  # fmt: skip
    p = float(test.pvalue)
    # Matched-pairs rank-biserial r = (V − (S − V)) / S with S = n(n + 1)/2 (Kerby, 2014);
    # its CI by Fisher's z, SE = √((2n³ + 3n² + n) / 6) / S (effectsize::rank_biserial).
    total = n * (n + 1) / 2
    r = (2 * v - total) / total
    se = math.sqrt((2 * n**3 + 3 * n**2 + n) / 6) / total
    low, high = fisher_interval(r, se, LEVEL, alternative)
    measures = _measures(sample, first, second, mu)
    table = descriptives(measures, median=True)
    median = float(np.median(d))
    subject = _subject(first, second, mu)
    clause = finding(p, alternative, r, **subject)
    method = EXACT if exact else APPROXIMATE
    report = (
        f"A Wilcoxon signed-rank test showed that {clause} (median difference = "
        f"{number(median)}), V = {number(v)}, {p_phrase(p)}, {_effect(r, low, high)}."
    )
    notes = [
        sample.note(),
        f"V: sum of the ranks of the positive differences ({_what(first, second, mu)}); "
        f"p: {method}. Positive rank-biserial r: more and larger positive differences.",
    ]
    if zeros:
        notes.append(f"{zeros} zero difference(s) were left out before ranking (n = {n}).")
    title = "Wilcoxon signed-rank test"
    values = _values(title, (v, "V", p), (r, low, high), sample.n, sample.n_missing)
    values |= {
        "exact": exact,
        "alternative": alternative,
        "mu": mu,
        "n_zero": zeros,
        "median_difference": median,
    } | group_values(table)
    main = pd.DataFrame(
        {"V": [v], "p": [p], "p-value": [method], "Mdn difference": [median]},
        index=[_what(first, second, mu)],
    )
    hypothesis = f"{_what(first, second, mu)} tends to be {_word(alternative)} than 0"
    return _result(
        title,
        tables={title: main, "Descriptives": table},
        values=values,
        report=report,
        notes=notes + _one_sided(alternative, hypothesis),
    )


def sign_test(
    df: pd.DataFrame,
    first: str,
    second: str | None = None,
    *,
    mu: float = 0,
    alternative: str = "two-sided",
) -> Result:
    """Are positive differences (`first` − `second`, or `first` − `mu`) as common as negative
    ones? An exact binomial test on the signs; ties (zero differences) are left out."""
    alternative = check_alternative(alternative)
    mu = as_number(mu, "mu")
    sample = _differences(df, first, second, smallest=1)
    d = sample.values - mu
    plus, minus = int((d > 0).sum()), int((d < 0).sum())
    ties = len(d) - plus - minus
    if plus + minus == 0:
        raise AnalysisError(
            f"Every difference is zero ({_what(first, second, mu)}); the sign test needs at "
            "least one positive or negative difference."
        )
    test = stats.binomtest(plus, plus + minus, 0.5, alternative=alternative)
    p = float(test.pvalue)
    # The proportion of positive signs with its Clopper-Pearson interval (R's binom.test).
    ci = test.proportion_ci(confidence_level=LEVEL, method="exact")
    share = plus / (plus + minus)
    subject = _subject(first, second, mu)
    clause = finding(p, alternative, share - 0.5, **subject)
    what = _what(first, second, mu)
    report = (
        f"A sign test showed that {clause}: of {plus + minus} non-zero differences, {plus} were "
        f"positive and {minus} negative ({ties} tie{'' if ties == 1 else 's'} left out), exact "
        f"binomial {p_phrase(p)}."
    )
    notes = [
        sample.note(),
        f"Differences: {what}. Ties (zero differences) are left out of the test: {ties}. "
        "p: exact binomial test of the positive signs against half.",
    ]
    main = pd.DataFrame(
        {
            "positive": [plus],
            "negative": [minus],
            "ties": [ties],
            "p": [p],
            "proportion": [share],
            CI[0]: [float(ci.low)],
            CI[1]: [float(ci.high)],
        },
        index=[what],
    )
    values = {
        "analysis": "Sign test",
        "statistic": plus,
        "statistic_name": "positive differences",
        "p": p,
        "effect_size": share,
        "effect_size_name": "proportion positive",
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "ci_level": LEVEL,
        "n": sample.n,
        "n_missing": sample.n_missing,
        "positive": plus,
        "negative": minus,
        "ties": ties,
        "median_difference": float(np.median(d)),
        "mu": mu,
        "alternative": alternative,
    }
    kinds: dict[str, dict[str, Kind]] = {
        "Sign test": {
            "positive": "count",
            "negative": "count",
            "ties": "count",
            "proportion": "bounded",
            CI[0]: "bounded",
            CI[1]: "bounded",
        }
    }
    return Result(
        title="Sign test",
        tables={"Sign test": main},
        values=values,
        report=report,
        notes=notes + _one_sided(alternative, f"positive differences are {_more(alternative)}"),
        kinds=kinds,
    )


def _differences(df: pd.DataFrame, first: str, second: str | None, *, smallest: int) -> Sample:
    if second is None or second == "":
        return one_column(df, first, smallest=smallest)
    return two_columns(df, first, second, smallest=smallest)


def _measures(sample: Sample, first: str, second: str | None, mu: float) -> dict[str, Any]:
    if sample.first is None or sample.second is None or second is None:
        return {first: sample.values}
    measures = {first: sample.first, second: sample.second}
    measures[_what(first, second, mu)] = sample.values - mu
    return measures


def _what(first: str, second: str | None, mu: float) -> str:
    if not second:
        return f"{first} − {plain(mu)}"
    return f"{first} − {second}" + (f" − {plain(mu)}" if mu else "")


def _subject(first: str, second: str | None, mu: float) -> dict[str, str]:
    other = plain(mu)
    if second:
        other = f"{second} + {plain(mu)}" if mu else second
    return {
        "higher": f"{first} was higher than {other}",
        "lower": f"{first} was lower than {other}",
        "none": f"{first} did not differ significantly from {other}",
        "not_higher": f"{first} was not significantly higher than {other}",
        "not_lower": f"{first} was not significantly lower than {other}",
    }


def _effect(r: float, low: float, high: float) -> str:
    interval = ci_text(low, high, level=LEVEL, bounded=True)
    text = effect_phrase(RANK_BISERIAL, r)
    return text + (f", {interval}" if interval else "")


def _values(
    analysis: str,
    test: tuple[float, str, float],
    effect: tuple[float, float, float],
    n: int,
    n_missing: int,
) -> dict[str, Any]:
    """The documented keys; `test` is (statistic, its name, p), `effect` (r, CI low, high)."""
    return {
        "analysis": analysis,
        "statistic": test[0],
        "statistic_name": test[1],
        "p": test[2],
        "effect_size": float(effect[0]),
        "effect_size_name": RANK_BISERIAL,
        "ci_low": effect[1],
        "ci_high": effect[2],
        "ci_level": LEVEL,
        "n": int(n),
        "n_missing": int(n_missing),
    }


def _result(
    title: str,
    *,
    tables: dict[str, pd.DataFrame],
    values: dict[str, Any],
    report: str,
    notes: list[str],
) -> Result:
    effect = pd.DataFrame(
        {"Value": [values["effect_size"]], CI[0]: [values["ci_low"]], CI[1]: [values["ci_high"]]},
        index=[RANK_BISERIAL],
    )
    return Result(
        title=title,
        tables=tables | {"Effect size": effect},
        values=values,
        report=report,
        notes=notes,
        kinds={"Effect size": {"Value": "bounded", CI[0]: "bounded", CI[1]: "bounded"}},
    )


def _one_sided(alternative: str, hypothesis: str) -> list[str]:
    note = direction_note(alternative, hypothesis)
    return [note] if note else []


def _word(alternative: str) -> str:
    return {"greater": "higher", "less": "lower"}.get(alternative, "different")


def _more(alternative: str) -> str:
    return {"greater": "more common", "less": "less common"}.get(alternative, "")
