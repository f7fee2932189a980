"""Choosing the data an analysis uses, and saying in words why it cannot.

Every analysis leaves out rows with a missing value in any of its own columns (listwise, per
analysis) and says how many (`missing_note`). Groups are named by their value labels
(`Psychology`, not 1) and come in the order the user gives (`groups=[...]`) or else in the
column's own order (value labels, then numbers by size, text alphabetically).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from datadive.analysis.columns import no_column_message
from datadive.analysis.labels import categories, labelled
from datadive.analysis.results import AnalysisError


def require_columns(frame: pd.DataFrame, *columns: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(
            f"The data must be a table (a pandas DataFrame), not {type(frame).__name__}."
        )
    for column in columns:
        if column not in frame.columns:
            raise AnalysisError(no_column_message(frame, column))


def numbers_of(frame: pd.DataFrame, column: str, *, role: str = "outcome") -> pd.Series:
    """The column as numbers (missing stays missing); a text column is refused in words.
    Booleans count as 0/1; a labelled categorical column gives its codes."""
    require_columns(frame, column)
    series = frame[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        numeric = pd.to_numeric(labelled(frame, column, show="codes"), errors="coerce")
        if numeric.notna().sum() == series.notna().sum():
            return numeric.astype(float)
    elif pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype(float)
    converted = pd.to_numeric(series, errors="coerce")
    texts = series[series.notna() & converted.isna()]
    if len(texts):
        examples = ", ".join(repr(str(v)) for v in list(dict.fromkeys(texts.tolist()))[:3])
        raise AnalysisError(
            f"{column!r} holds text ({examples}), not numbers, so it cannot be the {role}. "
            "Choose a numeric column, or recode the text into numbers first."
        )
    return converted.astype(float)


def missing_note(n_used: int, n_missing: int, columns: Sequence[str], *, unit: str = "") -> str:
    """`N = 57. 3 rows with a missing value in wellbeing or group were left out (listwise).`
    `unit` names what N counts when it is not rows (`N = 16 pairs.`)."""
    text = f"N = {n_used} {unit}." if unit else f"N = {n_used}."
    if n_missing:
        names = listed_names(columns)
        rows = "row" if n_missing == 1 else "rows"
        verb = "was" if n_missing == 1 else "were"
        text += f" {n_missing} {rows} with a missing value in {names} {verb} left out (listwise)."
    else:
        text += " No values were missing."
    return text


def listed_names(columns: Sequence[str]) -> str:
    """`a`, `a or b`, `a, b or c`: column names as a sentence lists them."""
    names = list(dict.fromkeys(str(c) for c in columns))
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def at_least(n: int, needed: int, what: str) -> None:
    if n < needed:
        raise AnalysisError(
            f"There are only {n} {what} with complete data; this analysis needs at least {needed}."
        )


def not_constant(values: pd.Series | np.ndarray, column: str) -> None:
    """Refuses, in words, a column with the same value in every row used. Numbers are compared
    by their smallest and largest value, without counting distinct values."""
    present = pd.Series(values).dropna()
    if not len(present):
        return
    if pd.api.types.is_numeric_dtype(present.dtype) and not pd.api.types.is_bool_dtype(
        present.dtype
    ):
        if present.min() != present.max():
            return
    elif present.nunique() != 1:
        return
    raise AnalysisError(
        f"{column!r} has the same value ({plain_value(present.iloc[0])}) in every row used, "
        "so there is no variation to analyse."
    )


def plain_value(value: Any) -> str:
    """A value as a sentence shows it: a whole float without its `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Groups:
    """Values of an outcome split by a grouping column, in order, listwise complete."""

    column: str  # the grouping column
    outcome: str
    names: list[Any]
    values: dict[Any, np.ndarray]
    n_missing: int
    n_other: int = 0  # rows in groups that were not chosen
    # the rows used (for `data`): their index, and each one's group name
    _index: pd.Index = field(default_factory=pd.Index, repr=False)
    _labels: np.ndarray = field(default_factory=lambda: np.empty(0, object), repr=False)
    _numbers: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def n(self) -> int:
        return sum(len(v) for v in self.values.values())

    @property
    def data(self) -> pd.DataFrame:
        """The rows used: the outcome and the group's name, under the table's own index."""
        return pd.DataFrame(
            {self.outcome: self._numbers, self.column: self._labels}, index=self._index
        )

    def note(self) -> str:
        text = missing_note(self.n, self.n_missing, [self.outcome, self.column])
        if self.n_other:
            rows = "row" if self.n_other == 1 else "rows"
            text += f" {self.n_other} {rows} in other groups of {self.column} were not used."
        return text


def chosen_groups(group: str, present: list[Any], groups: Sequence[Any] | str | None) -> list[Any]:
    """The groups to use, in order: those asked for (by name or as text), else all."""
    if isinstance(groups, str):  # a form's text field: "Psychology, Sociology"
        groups = [part.strip() for part in groups.split(",") if part.strip()] or None
    if groups is None:
        return present
    chosen = list(groups)
    unknown = [g for g in chosen if g not in present and str(g) not in map(str, present)]
    if unknown:
        raise AnalysisError(
            f"{group!r} has no group {unknown[0]!r} with data; its groups are "
            + ", ".join(repr(str(p)) for p in present)
            + "."
        )
    by_text = {str(p): p for p in present}
    names = [g if g in present else by_text[str(g)] for g in chosen]
    if len(set(map(str, names))) != len(names):
        raise AnalysisError("Each group may be chosen only once.")
    return names


def split_groups(
    frame: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    groups: Sequence[Any] | str | None = None,
    exactly: int | None = None,
    smallest: int = 2,
    show: str = "labels",
) -> Groups:
    """The outcome's values per group of `group`, named by value labels and in the order of
    `groups` (only those groups; a list, or text with commas from a form) or the column's own
    order. Refuses, in words, a text outcome, fewer groups than needed (or not `exactly` that
    many), a group with fewer than `smallest` values, and an outcome with the same value
    everywhere.

    The grouping column is named once per distinct value, not per row (`pd.factorize`), so a
    table of 100,000 rows is split in a few milliseconds."""
    require_columns(frame, outcome, group)
    if outcome == group:
        raise AnalysisError("The outcome and the grouping column must be different columns.")
    values = numbers_of(frame, outcome).to_numpy(float)
    codes, uniques = pd.factorize(frame[group], use_na_sentinel=True)
    distinct = pd.DataFrame({group: uniques})
    distinct.attrs = frame.attrs  # the column's value labels and level
    labels = labelled(distinct, group, show=show).reset_index(drop=True)
    named = ~labels.isna().to_numpy()
    usable = (codes >= 0) & ~np.isnan(values)
    usable[usable] = named[codes[usable]]
    n_missing = int(len(frame) - usable.sum())
    seen = np.unique(codes[usable])
    present = categories(labels.iloc[seen])
    names = chosen_groups(group, present, groups)
    if exactly is not None and len(names) != exactly:
        listed = ", ".join(repr(str(p)) for p in names) or "none"
        hint = " Choose the two groups to compare." if len(names) > exactly else ""
        raise AnalysisError(
            f"This analysis compares exactly {exactly} groups; {group!r} has {len(names)} "
            f"with data ({listed}).{hint}"
        )
    if len(names) < 2:
        listed = ", ".join(repr(str(p)) for p in names) or "none"
        raise AnalysisError(
            f"{group!r} has only {len(names)} group with data ({listed}); at least two groups "
            "are needed to compare."
        )
    label_of = labels.to_numpy(object)
    codes_of = {name: [int(code) for code in seen if label_of[code] == name] for name in names}
    split: dict[Any, np.ndarray] = {}
    used = np.zeros(len(frame), dtype=bool)
    for name, its_codes in codes_of.items():
        of_group = codes == its_codes[0] if len(its_codes) == 1 else np.isin(codes, its_codes)
        rows = usable & of_group
        used |= rows
        split[name] = values[rows]
        if len(split[name]) < smallest:
            raise AnalysisError(
                f"The group {str(name)!r} has {len(split[name])} value(s) of {outcome!r}; "
                f"each group needs at least {smallest}."
            )
    kept = values[used]
    not_constant(kept, outcome)
    return Groups(
        column=group,
        outcome=outcome,
        names=names,
        values=split,
        n_missing=n_missing,
        n_other=int(usable.sum() - used.sum()),
        _index=frame.index[used],
        _labels=label_of[codes[used]],
        _numbers=kept,
    )
