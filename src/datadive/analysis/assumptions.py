"""Assumption checks that several analyses share, each a `Check` with a verdict in words and,
when it fails, the analysis to run instead. Checks inform; they never stop an analysis.

The level is α = .05 throughout (`ALPHA`): a check "fails" when its test is significant at it.
With large groups these tests flag harmless departures, and with small ones they miss real
ones; the verdicts say so where it matters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from datadive.analysis.apa import p_phrase
from datadive.analysis.results import Check

ALPHA = 0.05
SHAPIRO_MIN, SHAPIRO_MAX = 3, 5000  # scipy's Shapiro-Wilk is exact in this range


def normality(
    values: Sequence[float] | np.ndarray,
    *,
    what: str,
    alternative: str | None = None,
) -> Check:
    """Shapiro-Wilk on `values` (`what` names them: "wellbeing in Psychology")."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    name = f"Normality of {what} (Shapiro-Wilk)"
    if len(data) < SHAPIRO_MIN:
        return Check(name, f"Not checked: {len(data)} values, at least 3 are needed.")
    if np.ptp(data) == 0:
        return Check(name, "Not checked: all values are the same.")
    if len(data) > SHAPIRO_MAX:
        data = data[:SHAPIRO_MAX]
        note = f" (first {SHAPIRO_MAX} values)"
    else:
        note = ""
    statistic, p = stats.shapiro(data)
    passed = bool(p >= ALPHA)
    if passed:
        verdict = f"No evidence against normality{note} ({p_phrase(p)})."
    else:
        verdict = f"The values depart from a normal distribution{note} ({p_phrase(p)})."
        if len(data) >= 30:
            verdict += " With 30 or more values per group the test is robust to this."
    return Check(name, verdict, passed, float(statistic), float(p), alternative, bounded=True)


def normality_by_group(
    groups: Mapping[Any, np.ndarray], *, outcome: str, alternative: str | None = None
) -> list[Check]:
    return [
        normality(values, what=f"{outcome} in {name}", alternative=alternative)
        for name, values in groups.items()
    ]


def equal_variances(
    groups: Mapping[Any, np.ndarray],
    *,
    center: str = "median",
    alternative: str | None = None,
    used: bool = True,
) -> Check:
    """Levene's test (`center="mean"`) or Brown-Forsythe's (`"median"`, the default: robust
    to non-normal data). `used=False` when the analysis does not assume equal variances
    (Welch): then a failed check only confirms the choice."""
    samples = [np.asarray(v, dtype=float) for v in groups.values()]
    label = "mean" if center == "mean" else "median"
    name = f"Equal variances (Levene, {label}-centred)"
    if any(len(s) < 2 for s in samples):
        return Check(name, "Not checked: a group has fewer than two values.")
    statistic, p = stats.levene(*samples, center=center)
    if not np.isfinite(p):
        return Check(name, "Not checked: the spread is zero in every group.")
    passed = bool(p >= ALPHA)
    if passed:
        verdict = f"No evidence that the variances differ ({p_phrase(p)})."
    elif used:
        verdict = f"The groups' variances differ ({p_phrase(p)})."
    else:
        verdict = (
            f"The groups' variances differ ({p_phrase(p)}); this test does not assume equal "
            "variances, so this is no problem."
        )
        return Check(name, verdict, None, float(statistic), float(p))
    return Check(name, verdict, passed, float(statistic), float(p), alternative)


def enough_per_group(groups: Mapping[Any, np.ndarray], *, smallest: int = 5) -> Check | None:
    """An informative note when a group is very small (tests lose power, checks mean little)."""
    small = [str(name) for name, values in groups.items() if len(values) < smallest]
    if not small:
        return None
    return Check(
        "Group sizes",
        f"Very small group(s): {', '.join(small)} (fewer than {smallest}); the checks above "
        "can miss real problems and the test has little power.",
    )
