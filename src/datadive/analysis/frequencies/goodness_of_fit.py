"""Do the answers to one categorical question fall into its categories in the expected
proportions (equal, unless given)? The chi-square goodness-of-fit test, and the exact
multinomial test for small samples.

    chi_square_goodness_of_fit(df, "snack")                           # equal proportions
    chi_square_goodness_of_fit(df, "snack", expected=[0.4, 0.3, 0.2, 0.1])
    multinomial_test(df, "snack", expected="0.4, 0.3, 0.2, 0.1")      # as a form gives it

`expected` is one proportion per category in the table's order (the value labels' order for a
labelled column, else numbers by size or text alphabetically), a dict from category to
proportion, or text with commas. Proportions may also be given as percentages (adding up to
100); they are rescaled to add up to exactly 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from datadive.analysis.apa import effect_phrase, number, p_phrase, statistic_phrase
from datadive.analysis.assumptions import ALPHA
from datadive.analysis.frequencies.categorical import CI_HIGH, CI_LOW, LEVEL
from datadive.analysis.frequencies.contingency import OneWay, one_way
from datadive.analysis.frequencies.exact_enumeration import (
    LIMIT,
    TooManyOutcomes,
    multinomial_p,
    number_of_outcomes,
)
from datadive.analysis.noncentral import chi2_noncentrality
from datadive.analysis.results import AnalysisError, Check, Result
from datadive.analysis.selection import missing_note

Expected = Sequence[float] | Mapping[Any, float] | str | None


def expected_proportions(counts: OneWay, expected: Expected) -> tuple[np.ndarray, bool]:
    """One proportion per category, adding up to 1, and whether they were given (not equal).
    Refuses in words a wrong number of proportions, an unknown category, a proportion that is
    not positive, and proportions that add up to neither 1 nor 100."""
    k = len(counts.names)
    if expected is None or (isinstance(expected, str) and not expected.strip()):
        return np.full(k, 1 / k), False
    listed = ", ".join(repr(name) for name in counts.names)
    if isinstance(expected, Mapping):
        by_name = {str(key): value for key, value in expected.items()}
        unknown = [key for key in by_name if key not in counts.names]
        if unknown:
            raise AnalysisError(
                f"{counts.column!r} has no category {unknown[0]!r}; its categories are {listed}."
            )
        missing = [name for name in counts.names if name not in by_name]
        if missing:
            raise AnalysisError(
                f"Give an expected proportion for every category of {counts.column!r}; "
                f"{missing[0]!r} has none."
            )
        raw: list[Any] = [by_name[name] for name in counts.names]
    elif isinstance(expected, str):
        raw = [part.strip().rstrip("%") for part in expected.replace(";", ",").split(",")]
        raw = [part for part in raw if part]
    else:
        raw = list(expected)
    try:
        values = np.array([float(value) for value in raw])
    except (TypeError, ValueError):
        raise AnalysisError(
            f"The expected proportions must be numbers, such as 0.25, 0.25, 0.5; got {expected!r}."
        ) from None
    if len(values) != k:
        raise AnalysisError(
            f"{counts.column!r} has {k} categories ({listed}), but {len(values)} expected "
            f"proportions were given; give one per category, in this order."
        )
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise AnalysisError(
            "Every expected proportion must be above 0 (a category that cannot occur cannot "
            "be tested); leave that category out of the data instead."
        )
    total = float(values.sum())
    if not (abs(total - 1) <= 0.01 or abs(total - 100) <= 1):
        raise AnalysisError(
            f"The expected proportions add up to {total:g}; they must add up to 1 "
            "(or to 100 as percentages)."
        )
    return values / total, True


def _frequencies(counts: OneWay, proportions: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Observed": counts.counts,
            "Expected %": 100 * proportions,
            "Expected": counts.n * proportions,
        },
        index=pd.Index(counts.names, name=counts.column),
    )


def _expected_against(given: bool) -> str:
    return "the expected proportions" if given else "equal proportions"


def chi_square_goodness_of_fit(
    df: pd.DataFrame, column: str, *, expected: Expected = None
) -> Result:
    """Pearson's chi-square goodness-of-fit test of one column's counts against expected
    proportions (equal by default), with Cohen's w and its 95% CI and each category's
    standardized residual (R's chisq.test(x, p = ...)$stdres)."""
    counts = one_way(df, column)
    proportions, given = expected_proportions(counts, expected)
    n, k = counts.n, len(counts.names)
    expected_counts = n * proportions
    test = stats.chisquare(counts.counts, f_exp=expected_counts)
    chi2, p, dof = float(test.statistic), float(test.pvalue), k - 1
    # Cohen's w = sqrt(χ² / N) (Cohen, 1988, eq. 7.2.1), CI from the noncentrality bounds of
    # χ², the upper bound at most w's largest possible value sqrt((1 − q) / q), q the smallest
    # expected proportion (effectsize::cohens_w(alternative = "two.sided")).
    w = math.sqrt(chi2 / n)
    low, high = chi2_noncentrality(chi2, dof)
    largest = math.sqrt((1 - proportions.min()) / proportions.min())
    w_low, w_high = math.sqrt(low / n), min(largest, math.sqrt(high / n))
    # Standardized residuals (O − E) / sqrt(E (1 − p)) (Agresti, 2007, p. 38, for one row).
    residuals = (counts.counts - expected_counts) / np.sqrt(expected_counts * (1 - proportions))
    frequencies = _frequencies(counts, proportions)
    frequencies["Standardized residual"] = residuals
    values: dict[str, Any] = {
        "analysis": "Chi-square goodness-of-fit test",
        "statistic": chi2,
        "statistic_name": "χ²",
        "df": dof,
        "p": p,
        "effect_size": w,
        "effect_size_name": "w",
        "ci_low": w_low,
        "ci_high": w_high,
        "ci_level": LEVEL,
        "n": n,
        "n_missing": counts.n_missing,
    }
    values |= {
        f"observed[{name}]": int(c) for name, c in zip(counts.names, counts.counts, strict=True)
    }
    values |= {
        f"expected[{name}]": float(e) for name, e in zip(counts.names, expected_counts, strict=True)
    }
    differ = "differed from" if p < ALPHA else "did not differ significantly from"
    report = (
        f"A chi-square goodness-of-fit test showed that the answers to {column} {differ} "
        f"{_expected_against(given)}, {statistic_phrase('χ²', chi2, dof, f'N = {n}')}, "
        f"{p_phrase(p)}, {effect_phrase('w', w, w_low, w_high)}."
    )
    row = {"χ²": chi2, "df": dof, "p": p, "N": n, "w": w, CI_LOW: w_low, CI_HIGH: w_high}
    return Result(
        title=f"Chi-square goodness-of-fit test: {column}",
        tables={
            "Chi-square goodness-of-fit test": pd.DataFrame([row], index=["Pearson χ²"]),
            "Frequencies": frequencies,
        },
        values=values,
        report=report,
        checks=[_expected_counts_check(expected_counts)],
        notes=[
            missing_note(n, counts.n_missing, [column]),
            f"Expected: {_proportions_text(counts, proportions, given)}. w: Cohen's w, with a "
            "95% CI from the noncentral χ² distribution.",
        ],
        kinds={"Frequencies": {"Observed": "count"}},
    )


def _proportions_text(counts: OneWay, proportions: np.ndarray, given: bool) -> str:
    if not given:
        return f"equal proportions ({number(100 / len(proportions), 1)}% each)"
    return ", ".join(
        f"{name} {number(100 * share, 1)}%"
        for name, share in zip(counts.names, proportions, strict=True)
    )


def _expected_counts_check(expected_counts: np.ndarray) -> Check:
    """Every expected count at least 5 (Cochran, 1954; the usual rule for one row)."""
    small = int((expected_counts < 5).sum())
    smallest = number(float(expected_counts.min()))
    if small == 0:
        return Check(
            "Expected counts", f"Large enough: all are 5 or more (smallest {smallest}).", True
        )
    return Check(
        "Expected counts",
        f"{small} of {len(expected_counts)} expected counts are below 5 (smallest {smallest}): "
        "the χ² approximation may be inaccurate. Use the exact multinomial test.",
        False,
        alternative="multinomial_test",
    )


def multinomial_test(df: pd.DataFrame, column: str, *, expected: Expected = None) -> Result:
    """The exact multinomial goodness-of-fit test: the probability, under the expected
    proportions (equal by default), of all ways the N answers could fall into the categories
    that are no more likely than the observed counts. For small samples; it refuses in words
    when there are more than a million possible outcomes."""
    counts = one_way(df, column)
    proportions, given = expected_proportions(counts, expected)
    n, k = counts.n, len(counts.names)
    outcomes = number_of_outcomes(n, k)
    try:
        p = multinomial_p(counts.counts, proportions)
    except TooManyOutcomes:
        raise AnalysisError(
            f"The exact multinomial test would have to go through {outcomes:,} possible "
            f"outcomes (N = {n} in {k} categories; at most {LIMIT:,}). With this many answers, "
            "use the chi-square goodness-of-fit test (chi_square_goodness_of_fit)."
        ) from None
    values: dict[str, Any] = {
        "analysis": "Exact multinomial test",
        "p": p,
        "n": n,
        "n_missing": counts.n_missing,
        "outcomes": outcomes,
    }
    values |= {
        f"observed[{name}]": int(c) for name, c in zip(counts.names, counts.counts, strict=True)
    }
    values |= {
        f"expected[{name}]": float(n * e) for name, e in zip(counts.names, proportions, strict=True)
    }
    differ = "differed from" if p < ALPHA else "did not differ significantly from"
    report = (
        f"An exact multinomial test showed that the answers to {column} (N = {n}) {differ} "
        f"{_expected_against(given)}, {p_phrase(p)}."
    )
    return Result(
        title=f"Exact multinomial test: {column}",
        tables={
            "Exact multinomial test": pd.DataFrame(
                [{"p": p, "N": n, "k": k, "outcomes": outcomes}], index=["Exact multinomial test"]
            ),
            "Frequencies": _frequencies(counts, proportions),
        },
        values=values,
        report=report,
        notes=[
            missing_note(n, counts.n_missing, [column]),
            f"Expected: {_proportions_text(counts, proportions, given)}. p: the probability of "
            f"all {outcomes:,} possible outcomes no more likely than the observed one.",
        ],
        kinds={
            "Exact multinomial test": {"outcomes": "count"},
            "Frequencies": {"Observed": "count"},
        },
    )
