"""The data of the one- and two-sample tests (t-tests, rank tests, the sign test): one column
of values, two columns measured on the same people, or one outcome in two groups; and the
direction of a test, in words.

Rows with a missing value in any column a test uses are left out (listwise, per analysis);
for two measures of the same people that means a pair with one missing value is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis.apa import DASH, number
from datadive.analysis.assumptions import ALPHA
from datadive.analysis.results import AnalysisError
from datadive.analysis.selection import (
    Groups,
    at_least,
    missing_note,
    numbers_of,
    require_columns,
    split_groups,
)

# The directions a test may take, as SciPy names them; R's spelling is accepted too.
ALTERNATIVES = ("two-sided", "greater", "less")


def check_alternative(alternative: str) -> str:
    chosen = str(alternative).strip().lower().replace(".", "-").replace("_", "-")
    if chosen not in ALTERNATIVES:
        raise AnalysisError(
            f"alternative must be 'two-sided', 'greater' or 'less', not {alternative!r}."
        )
    return chosen


def is_one_sided(alternative: str) -> bool:
    return alternative != "two-sided"


def effect_level(alternative: str, level: float = 0.95) -> float:
    """The two-sided level whose one bound is a one-sided interval at `level` (as R's
    effectsize does for a one-sided test: a 95% one-sided bound is a 90% interval's)."""
    return 2 * level - 1 if is_one_sided(alternative) else level


def one_sided_bounds(low: float, high: float, alternative: str) -> tuple[float, float]:
    """An interval's bounds for the test's direction: `greater` keeps the lower bound
    (the upper is +∞), `less` the upper."""
    if alternative == "greater":
        return low, np.inf
    if alternative == "less":
        return -np.inf, high
    return low, high


def ci_text(low: float, high: float, *, level: float = 0.95, bounded: bool = False) -> str:
    """`95% CI [0.26, 1.10]`; an open end of a one-sided interval as ∞."""
    shown = [
        ("−∞" if v < 0 else "∞") if np.isinf(v) else number(v, 2, leading_zero=not bounded)
        for v in (low, high)
    ]
    if DASH in shown:
        return ""
    return f"{round(level * 100):g}% CI [{shown[0]}, {shown[1]}]"


@dataclass
class Sample:
    """One column's values (one-sample tests), or the differences of two columns (paired)."""

    values: np.ndarray  # the values, or first − second for pairs
    n_missing: int
    columns: list[str]
    first: np.ndarray | None = None  # the two measures, for pairs
    second: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.values)

    def note(self) -> str:
        # a pair with one missing value is left out as a whole
        unit = "pairs" if len(self.columns) == 2 else ""
        return missing_note(self.n, self.n_missing, self.columns, unit=unit)


def one_column(frame: pd.DataFrame, column: str, *, smallest: int = 2) -> Sample:
    """A column's values (missing left out); refuses text, too few values, one value."""
    values = numbers_of(frame, column)
    present = values.to_numpy(float)
    present = present[np.isfinite(present)]
    at_least(len(present), smallest, f"values of {column!r}")
    return Sample(values=present, n_missing=len(values) - len(present), columns=[column])


def two_columns(frame: pd.DataFrame, first: str, second: str, *, smallest: int = 2) -> Sample:
    """The pairs of `first` and `second` where both are present, and their differences."""
    require_columns(frame, first, second)
    if first == second:
        raise AnalysisError(
            "The two measures must be different columns (the same people measured twice, "
            "e.g. before and after)."
        )
    a = numbers_of(frame, first, role="first measure").to_numpy(float)
    b = numbers_of(frame, second, role="second measure").to_numpy(float)
    both = np.isfinite(a) & np.isfinite(b)
    a, b = a[both], b[both]
    at_least(len(a), smallest, f"pairs of {first!r} and {second!r}")
    return Sample(
        values=a - b, n_missing=len(both) - len(a), columns=[first, second], first=a, second=b
    )


def two_groups(
    frame: pd.DataFrame,
    outcome: str,
    group: str,
    groups: Sequence[Any] | str | None,
    *,
    smallest: int,
) -> Groups:
    """The outcome in exactly two groups (those chosen, in that order)."""
    return split_groups(frame, outcome, group, groups=groups, exactly=2, smallest=smallest)


def descriptives(samples: Mapping[Any, np.ndarray], *, median: bool = False) -> pd.DataFrame:
    """n, M, SD, SE (or n and Mdn) per group or measure, one row each."""
    rows = {}
    for name, values in samples.items():
        n = len(values)
        if median:
            rows[str(name)] = {"n": n, "Mdn": float(np.median(values))}
            continue
        sd = float(np.std(values, ddof=1)) if n > 1 else np.nan
        rows[str(name)] = {
            "n": n,
            "M": float(np.mean(values)),
            "SD": sd,
            "SE": sd / np.sqrt(n),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def group_values(table: pd.DataFrame) -> dict[str, Any]:
    """`mean[Psychology]`, `sd[Psychology]` … from a `descriptives` table."""
    keys = {"n": "n", "M": "mean", "SD": "sd", "SE": "se", "Mdn": "median"}
    values: dict[str, Any] = {}
    for name, row in table.iterrows():
        for column, key in keys.items():
            if column in row:
                value = row[column]
                values[f"{key}[{name}]"] = int(value) if column == "n" else float(value)
    return values


def finding(
    p: float,
    alternative: str,
    difference: float,
    *,
    higher: str,
    lower: str,
    none: str,
    not_higher: str,
    not_lower: str,
) -> str:
    """The clause a write-up states: the direction found when p < .05, else that the test
    found none (in the direction it tested)."""
    if p < ALPHA:
        return higher if difference > 0 else lower
    return {"two-sided": none, "greater": not_higher, "less": not_lower}[alternative]


def direction_note(alternative: str, hypothesis: str) -> str | None:
    """`One-sided test (H1: …); its confidence intervals are one-sided.`"""
    if not is_one_sided(alternative):
        return None
    return f"One-sided test (H1: {hypothesis}); its confidence intervals are one-sided."


def as_number(value: Any, name: str) -> float:
    """A number typed in a form or passed in code (`mu`), refused in words when it is not."""
    try:
        found = float(value)
    except (TypeError, ValueError):
        raise AnalysisError(f"{name} must be a number, not {value!r}.") from None
    if not math.isfinite(found):
        raise AnalysisError(f"{name} must be a finite number, not {value!r}.")
    return found


def plain(value: float) -> str:
    """`4`, not `4.0`; `3.5` as it is."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
