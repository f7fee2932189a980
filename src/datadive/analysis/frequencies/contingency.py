"""Counting categories for the frequency analyses (`categorical`, `goodness_of_fit`): two
columns into a contingency table, one column into counts per category, and yes/no columns
measured on the same people, each named by value labels (`Psychology`, not 1), listwise
complete, and refused in words when they cannot be counted.

Counting is vectorized (category codes and `np.bincount`), so that 100,000 rows cost little
more than the test itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis.labels import categories, labelled
from datadive.analysis.results import AnalysisError
from datadive.analysis.selection import require_columns

# More distinct values than this and a column is not a set of categories (an age, an ID).
MAX_CATEGORIES = 30
TOTAL = "Total"


def name_of(value: Any) -> str:
    """A category as tables and write-ups name it: `2`, not `2.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return name_of(value.item())
    return str(value)


def _few_enough(column: str, found: Sequence[Any]) -> None:
    if len(found) > MAX_CATEGORIES:
        raise AnalysisError(
            f"{column!r} has {len(found)} different values; this analysis counts categories "
            f"(at most {MAX_CATEGORIES}). Choose a column of categories, or group its values "
            "into a few categories first."
        )


def _coded(values: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes 0, 1 … of the (present) values and the categories they stand for, in the order
    `labels.categories` gives: hashed once (`pd.factorize`), then only the few distinct
    values are ordered."""
    codes, uniques = pd.factorize(values, sort=False)
    order = categories(pd.Series(uniques))
    position = {value: index for index, value in enumerate(order)}
    recode = np.array([position[value] for value in list(uniques)], dtype=np.int64)
    return recode[codes], order


@dataclass
class TwoWay:
    """A contingency table of two columns: counts (rows × columns) and the categories' names."""

    rows: str
    columns: str
    counts: np.ndarray
    row_names: list[str]
    column_names: list[str]
    n_missing: int

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def frame(self, values: np.ndarray | None = None, *, totals: bool = False) -> pd.DataFrame:
        """`values` (the counts by default) as a table named by the categories."""
        shown = pd.DataFrame(
            self.counts if values is None else values,
            index=pd.Index(self.row_names, name=self.rows),
            columns=pd.Index(self.column_names, name=self.columns),
        )
        if totals:
            shown[TOTAL] = shown.sum(axis=1)
            shown.loc[TOTAL] = shown.sum(axis=0)
        return shown


def two_way(frame: pd.DataFrame, rows: str, columns: str) -> TwoWay:
    """The counts of every combination of `rows` and `columns` in the rows where both have a
    value; categories that occur, in the columns' own order."""
    require_columns(frame, rows, columns)
    if rows == columns:
        raise AnalysisError("Choose two different columns: one for the rows, one for the columns.")
    first, second = labelled(frame, rows), labelled(frame, columns)
    used = first.notna().to_numpy() & second.notna().to_numpy()
    first, second = first[used], second[used]
    n_missing = int(len(frame) - used.sum())
    if not used.any():
        raise AnalysisError(
            f"No row has a value in both {rows!r} and {columns!r}, so there is nothing to count."
        )
    row_codes, row_order = _coded(first)
    column_codes, column_order = _coded(second)
    for column, order in ((rows, row_order), (columns, column_order)):
        _few_enough(column, order)
        if len(order) < 2:
            raise AnalysisError(
                f"{column!r} has only one value ({name_of(order[0])!r}) in the rows used; a "
                "test of association needs at least two categories in each column."
            )
    cell = row_codes * len(column_order) + column_codes
    counts = np.bincount(cell, minlength=len(row_order) * len(column_order))
    return TwoWay(
        rows=rows,
        columns=columns,
        counts=counts.reshape(len(row_order), len(column_order)),
        row_names=[name_of(v) for v in row_order],
        column_names=[name_of(v) for v in column_order],
        n_missing=n_missing,
    )


@dataclass
class OneWay:
    """Counts per category of one column."""

    column: str
    counts: np.ndarray
    names: list[str]
    n_missing: int

    @property
    def n(self) -> int:
        return int(self.counts.sum())


def one_way(frame: pd.DataFrame, column: str) -> OneWay:
    """Counts per category of `column`: every labelled category (also those nobody chose, in
    the labels' order), or the values that occur."""
    require_columns(frame, column)
    values = labelled(frame, column)
    present = values.dropna()
    n_missing = len(values) - len(present)
    if not len(present):
        raise AnalysisError(f"{column!r} has no values to count.")
    codes, present_order = _coded(present)
    if isinstance(values.dtype, pd.CategoricalDtype):
        order = list(values.cat.categories)
    else:
        order = present_order
    _few_enough(column, order)
    if len(order) < 2:
        raise AnalysisError(
            f"{column!r} has only one category ({name_of(order[0])!r}); a goodness-of-fit test "
            "needs at least two."
        )
    position = np.array([order.index(value) for value in present_order], dtype=np.int64)
    counts = np.bincount(position[codes], minlength=len(order))
    return OneWay(column, counts, [name_of(v) for v in order], n_missing)


@dataclass
class Binary:
    """Yes/no columns measured on the same people: 1 where a row has `names[1]`, 0 where it
    has `names[0]`; rows with a missing value in any of them left out."""

    columns: list[str]
    values: np.ndarray  # rows × columns, 0/1
    names: list[str]  # the two categories, in order; the second is counted
    n_missing: int

    @property
    def n(self) -> int:
        return int(self.values.shape[0])


def binary_columns(frame: pd.DataFrame, columns: Sequence[str], *, test: str) -> Binary:
    """The columns as 0/1, sharing the same two categories (their order: the columns' own
    order, numbers by size, text alphabetically); refuses in words anything else."""
    require_columns(frame, *columns)
    if len(set(columns)) != len(columns):
        raise AnalysisError(f"{test} needs different columns; a column was chosen twice.")
    data = pd.DataFrame({column: labelled(frame, column) for column in columns})
    used = data.dropna()
    n_missing = len(data) - len(used)
    names = ", ".join(repr(c) for c in columns)
    if not len(used):
        raise AnalysisError(f"No row has a value in every one of {names}.")
    codes, order = _shared_codes(used)
    if len(order) > 2:
        shown = ", ".join(repr(v) for v in order[:5])
        raise AnalysisError(
            f"{test} compares yes/no answers (two categories); {names} hold "
            f"{len(order)} different values ({shown}{' …' if len(order) > 5 else ''}). "
            "Recode them into two categories first."
        )
    if len(order) < 2:
        raise AnalysisError(
            f"{names} hold only the value {order[0]!r} in the {len(used)} rows used, "
            "so there is nothing to compare. If a blank means 'not chosen' (a multiple-choice "
            "indicator), recode the blanks to 0 first."
        )
    return Binary(list(columns), codes, order, n_missing)


def _shared_codes(used: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The columns' values as codes into one list of category names, shared by all of them:
    in the value labels' order when the columns share their labels, else numbers by size,
    else text alphabetically."""
    factorized = [pd.factorize(used[column]) for column in used.columns]
    names_per_column = [[name_of(v) for v in uniques] for _, uniques in factorized]
    found = set().union(*names_per_column)
    series = [used[column] for column in used.columns]
    labels = [list(s.cat.categories) for s in series if isinstance(s.dtype, pd.CategoricalDtype)]
    if len(labels) == len(series) and all(order == labels[0] for order in labels):
        order = [name for name in map(name_of, labels[0]) if name in found]
    elif all(_is_number(name) for name in found):
        order = sorted(found, key=float)
    else:
        order = sorted(found)
    position = {name: index for index, name in enumerate(order)}
    columns = [
        np.array([position[name] for name in names], dtype=np.int64)[codes]
        for (codes, _), names in zip(factorized, names_per_column, strict=True)
    ]
    return np.column_stack(columns), order


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
