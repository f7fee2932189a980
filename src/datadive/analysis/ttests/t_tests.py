"""t-tests: one sample against a value, two measures of the same people, two groups.

    one_sample_t(df, "belonging", mu=4)
    paired_t(df, "wellbeing_pre", "wellbeing_post")
    independent_t(df, "belonging", "programme", groups="Psychology, Sociology")

Each reports the descriptives, t with its df (Welch's with decimals), p, the mean difference
with its confidence interval (as R's `t.test`), Cohen's d and Hedges' g with confidence
intervals from the noncentral t distribution (as R's `effectsize::cohens_d` and `hedges_g`:
pooled SD for two groups, also under Welch's test; d_z for pairs), and its assumption checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from datadive.analysis import assumptions
from datadive.analysis.apa import effect_phrase, number, p_phrase, statistic_phrase
from datadive.analysis.noncentral import t_noncentrality
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import not_constant
from datadive.analysis.ttests.samples import (
    as_number,
    check_alternative,
    ci_text,
    descriptives,
    direction_note,
    effect_level,
    finding,
    group_values,
    one_column,
    one_sided_bounds,
    plain,
    two_columns,
    two_groups,
)

LEVEL = 0.95
CI = ["95% CI low", "95% CI high"]


def one_sample_t(
    df: pd.DataFrame, outcome: str, *, mu: float = 0, alternative: str = "two-sided"
) -> Result:
    """Does the mean of `outcome` differ from `mu` (a scale midpoint, a norm)?"""
    alternative = check_alternative(alternative)
    mu = as_number(mu, "mu")
    sample = one_column(df, outcome)
    not_constant(sample.values, outcome)
    if _hardly_varies(sample.values):
        raise AnalysisError(
            f"{outcome!r} varies only by rounding errors, so a t-test cannot be computed."
        )
    values = sample.values
    test = stats.ttest_1samp(values, mu, alternative=alternative)
    mean_ci = test.confidence_interval(LEVEL)
    table = descriptives({outcome: values})
    mean, sd = float(table["M"].iloc[0]), float(table["SD"].iloc[0])
    dfree = float(test.df)
    # Cohen's d = (M − μ) / SD; its CI from the noncentral t, scaled by √(1/n) (effectsize).
    effects = _effects((mean - mu) / sd, dfree, 1 / sample.n, alternative)
    difference = (mean - mu, float(mean_ci.low) - mu, float(mean_ci.high) - mu)
    main = _test_table(f"{outcome} − {plain(mu)}", test, dfree, difference)
    clause = finding(
        float(test.pvalue),
        alternative,
        mean - mu,
        higher=f"was higher than {plain(mu)}",
        lower=f"was lower than {plain(mu)}",
        none=f"did not differ significantly from {plain(mu)}",
        not_higher=f"was not significantly higher than {plain(mu)}",
        not_lower=f"was not significantly lower than {plain(mu)}",
    )
    report = (
        f"A one-sample t-test showed that the mean of {outcome} ({_m_sd(mean, sd)}) {clause}, "
        f"{_stats(test, dfree, effects, 'd')}."
    )
    notes = [
        sample.note(),
        f"Cohen's d = (M − {plain(mu)}) / SD; positive d: {outcome} was higher than "
        f"{plain(mu)}. Hedges' g corrects d for small samples.",
    ]
    checks = [assumptions.normality(values, what=outcome, alternative="wilcoxon_signed_rank")]
    found = _Found(test, dfree, effects, "d", difference, sample.n, sample.n_missing)
    return _result(
        found,
        title="One-sample t-test",
        tables={"One-sample t-test": main, "Descriptives": table},
        values=_values(found, "One-sample t-test")
        | {"mu": mu, "alternative": alternative}
        | group_values(table),
        report=report,
        checks=checks,
        notes=notes + _one_sided(alternative, f"the mean of {outcome} > {plain(mu)}"),
    )


def paired_t(
    df: pd.DataFrame, first: str, second: str, *, alternative: str = "two-sided"
) -> Result:
    """Do two measures of the same people (before and after) differ in their mean? Pairs
    with a missing value are left out. The difference is `first` − `second`."""
    alternative = check_alternative(alternative)
    sample = two_columns(df, first, second)
    if _hardly_varies(sample.values):
        raise AnalysisError(
            f"Every pair differs by the same amount ({plain(float(sample.values[0]))}), so the "
            "differences do not vary and a t-test cannot be computed."
        )
    assert sample.first is not None
    assert sample.second is not None
    test = stats.ttest_rel(sample.first, sample.second, alternative=alternative)
    ci = test.confidence_interval(LEVEL)
    difference_name = f"{first} − {second}"
    table = descriptives(
        {first: sample.first, second: sample.second, difference_name: sample.values}
    )
    mean, sd = float(table["M"].iloc[2]), float(table["SD"].iloc[2])
    dfree = float(test.df)
    # d_z = mean difference / SD of the differences (effectsize::cohens_d, paired = TRUE).
    effects = _effects(mean / sd, dfree, 1 / sample.n, alternative)
    difference = (mean, float(ci.low), float(ci.high))
    main = _test_table(difference_name, test, dfree, difference)
    clause = finding(
        float(test.pvalue),
        alternative,
        mean,
        higher=f"{first} was higher than {second}",
        lower=f"{first} was lower than {second}",
        none=f"{first} and {second} did not differ significantly",
        not_higher=f"{first} was not significantly higher than {second}",
        not_lower=f"{first} was not significantly lower than {second}",
    )
    m1, s1 = float(table["M"].iloc[0]), float(table["SD"].iloc[0])
    m2, s2 = float(table["M"].iloc[1]), float(table["SD"].iloc[1])
    report = (
        f"A paired-samples t-test showed that {clause} ({_m_sd(m1, s1)} vs. {_m_sd(m2, s2)}), "
        f"{_stats(test, dfree, effects, 'd_z')}."
    )
    notes = [
        sample.note(),
        f"d_z = mean difference / SD of the differences ({difference_name}); positive d_z: "
        f"{first} was higher. Hedges' g_z corrects d_z for small samples.",
    ]
    checks = [
        assumptions.normality(
            sample.values,
            what=f"the differences {difference_name}",
            alternative="wilcoxon_signed_rank",
        )
    ]
    found = _Found(test, dfree, effects, "d_z", difference, sample.n, sample.n_missing)
    return _result(
        found,
        title="Paired-samples t-test",
        tables={"Paired-samples t-test": main, "Descriptives": table},
        values=_values(found, "Paired-samples t-test")
        | {"alternative": alternative}
        | group_values(table),
        report=report,
        checks=checks,
        notes=notes + _one_sided(alternative, f"{first} > {second}"),
    )


def independent_t(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: Sequence[Any] | str | None = None,
    equal_variances: bool = False,
    alternative: str = "two-sided",
) -> Result:
    """Do two groups differ in the mean of `outcome`? Welch's test by default; Student's
    when `equal_variances=True`. The difference is the first group − the second."""
    alternative = check_alternative(alternative)
    split = two_groups(df, outcome, group, groups, smallest=2)
    (name_a, a), (name_b, b) = split.values.items()
    test = stats.ttest_ind(a, b, equal_var=bool(equal_variances), alternative=alternative)
    ci = test.confidence_interval(LEVEL)
    table = descriptives(split.values)
    table.index.name = group
    ma, sa = float(table["M"].iloc[0]), float(table["SD"].iloc[0])
    mb, sb = float(table["M"].iloc[1]), float(table["SD"].iloc[1])
    na, nb = len(a), len(b)
    # Cohen's d with the pooled SD, under both tests (effectsize::cohens_d, pooled_sd = TRUE);
    # its CI from the noncentral t with n1 + n2 − 2 df, scaled by √(1/n1 + 1/n2).
    pooled = math.sqrt(((na - 1) * sa**2 + (nb - 1) * sb**2) / (na + nb - 2))
    effects = _effects((ma - mb) / pooled, na + nb - 2, 1 / na + 1 / nb, alternative)
    dfree = float(test.df)
    difference = (ma - mb, float(ci.low), float(ci.high))
    name = "Student's t-test" if equal_variances else "Welch's t-test"
    main = _test_table(outcome, test, dfree, difference)
    a_text, b_text = str(name_a), str(name_b)
    clause = finding(
        float(test.pvalue),
        alternative,
        ma - mb,
        higher=f"{outcome} was higher in {a_text} ({_m_sd(ma, sa)}) than in {b_text} "
        f"({_m_sd(mb, sb)})",
        lower=f"{outcome} was lower in {a_text} ({_m_sd(ma, sa)}) than in {b_text} "
        f"({_m_sd(mb, sb)})",
        none=f"{outcome} did not differ significantly between {a_text} ({_m_sd(ma, sa)}) and "
        f"{b_text} ({_m_sd(mb, sb)})",
        not_higher=f"{outcome} was not significantly higher in {a_text} ({_m_sd(ma, sa)}) than "
        f"in {b_text} ({_m_sd(mb, sb)})",
        not_lower=f"{outcome} was not significantly lower in {a_text} ({_m_sd(ma, sa)}) than "
        f"in {b_text} ({_m_sd(mb, sb)})",
    )
    report = f"A {name} showed that {clause}, {_stats(test, dfree, effects, 'd')}."
    notes = [
        split.note(),
        f"Positive d: {a_text} scored higher than {b_text}. Cohen's d uses the pooled SD; "
        "Hedges' g corrects it for small samples.",
    ]
    if not equal_variances:
        notes.append("Welch's test does not assume equal variances (df with decimals).")
    checks: list[Check] = assumptions.normality_by_group(
        split.values, outcome=outcome, alternative="mann_whitney"
    )
    checks.append(
        assumptions.equal_variances(
            split.values,
            alternative="independent_t(..., equal_variances=False)",
            used=bool(equal_variances),
        )
    )
    small = assumptions.enough_per_group(split.values)
    if small is not None:
        checks.append(small)
    found = _Found(test, dfree, effects, "d", difference, split.n, split.n_missing)
    extra = {
        "alternative": alternative,
        "equal_variances": bool(equal_variances),
        "group_1": a_text,
        "group_2": b_text,
    }
    return _result(
        found,
        title=f"Independent-samples t-test ({'Student' if equal_variances else 'Welch'})",
        tables={name: main, "Descriptives": table},
        values=_values(found, name) | extra | group_values(table),
        report=report,
        checks=checks,
        notes=notes + _one_sided(alternative, f"{outcome} in {a_text} > in {b_text}"),
    )


def _hardly_varies(values: np.ndarray) -> bool:
    """Values equal up to floating-point rounding (4.42 − 5.42 and 4.77 − 5.77 differ in the
    16th digit): SciPy would warn of catastrophic cancellation and report noise."""
    return bool(np.ptp(values) <= 1e-12 * max(1.0, float(np.max(np.abs(values)))))


def _effects(d: float, dfree: float, hn: float, alternative: str) -> dict[str, float]:
    """d and Hedges' g with their CIs (effectsize 0.8: `.effect_size_difference`): the CI
    of d is the noncentral t's bounds for t = d / √hn, times √hn; g = d · J(df) with the exact
    small-sample correction J (Hedges, 1981, eq. 6b) applied to d and its bounds."""
    low, high = t_noncentrality(d / math.sqrt(hn), dfree, effect_level(alternative, LEVEL))
    low, high = one_sided_bounds(low * math.sqrt(hn), high * math.sqrt(hn), alternative)
    j = math.exp(
        special.gammaln(dfree / 2)
        - math.log(math.sqrt(dfree / 2))
        - special.gammaln((dfree - 1) / 2)
    )
    return {"d": d, "d_low": low, "d_high": high, "g": d * j, "g_low": low * j, "g_high": high * j}


def _test_table(
    row: str, test: Any, dfree: float, difference: tuple[float, float, float]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [float(test.statistic)],
            "df": [dfree],
            "p": [float(test.pvalue)],
            "Mean difference": [difference[0]],
            CI[0]: [difference[1]],
            CI[1]: [difference[2]],
        },
        index=[row],
    )


def _effect_table(effects: dict[str, float], d_name: str) -> pd.DataFrame:
    g_name = "g_z" if d_name == "d_z" else "g"
    return pd.DataFrame(
        {
            "Value": [effects["d"], effects["g"]],
            CI[0]: [effects["d_low"], effects["g_low"]],
            CI[1]: [effects["d_high"], effects["g_high"]],
        },
        index=[f"Cohen's {d_name}", f"Hedges' {g_name}"],
    )


@dataclass(frozen=True)
class _Found:
    """What a t-test found, for its values and tables."""

    test: Any  # SciPy's TtestResult
    df: float
    effects: dict[str, float]
    d_name: str  # d or d_z
    difference: tuple[float, float, float]  # the mean difference and its CI
    n: int
    n_missing: int


def _values(found: _Found, analysis: str) -> dict[str, Any]:
    effects, difference = found.effects, found.difference
    return {
        "analysis": analysis,
        "statistic": float(found.test.statistic),
        "statistic_name": "t",
        "df": found.df,
        "p": float(found.test.pvalue),
        "effect_size": float(effects["d"]),
        "effect_size_name": found.d_name,
        "ci_low": float(effects["d_low"]),
        "ci_high": float(effects["d_high"]),
        "ci_level": LEVEL,
        "n": int(found.n),
        "n_missing": int(found.n_missing),
        "mean_difference": float(difference[0]),
        "mean_difference_ci_low": float(difference[1]),
        "mean_difference_ci_high": float(difference[2]),
        "g": float(effects["g"]),
        "g_ci_low": float(effects["g_low"]),
        "g_ci_high": float(effects["g_high"]),
    }


def _result(
    found: _Found,
    *,
    title: str,
    tables: dict[str, pd.DataFrame],
    values: dict[str, Any],
    report: str,
    checks: list[Check],
    notes: list[str],
) -> Result:
    return Result(
        title=title,
        tables=tables | {"Effect sizes": _effect_table(found.effects, found.d_name)},
        values=values,
        report=report,
        checks=checks,
        notes=notes,
    )


def _one_sided(alternative: str, hypothesis: str) -> list[str]:
    """The note of a one-sided test; `hypothesis` is said for `greater` (`>`)."""
    if alternative == "less":
        hypothesis = hypothesis.replace(" > ", " < ")
    note = direction_note(alternative, hypothesis)
    return [note] if note else []


def _stats(test: Any, dfree: float, effects: dict[str, float], d_name: str) -> str:
    effect = effect_phrase(d_name, effects["d"])
    interval = ci_text(effects["d_low"], effects["d_high"], level=LEVEL)
    return (
        f"{statistic_phrase('t', float(test.statistic), dfree)}, {p_phrase(float(test.pvalue))}, "
        f"{effect}{', ' + interval if interval else ''}"
    )


def _m_sd(mean: float, sd: float) -> str:
    return f"M = {number(mean)}, SD = {number(sd)}"
