"""Tables that describe a table's columns, showing labels (`Psychology`) and question texts;
`show="codes"` shows the codes instead. Each returns a pandas DataFrame, so that its numbers
can be used further."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from datadive.analysis.columns import (
    CATEGORY_LEVELS,
    column_info,
    column_title,
    no_column_message,
)
from datadive.analysis.labels import categories, check_show, label_map, labelled

MISSING = "Missing"
TOTAL = "Total"
PERCENTAGES = {
    "counts": False,
    "row percent": "index",
    "column percent": "columns",
    "total percent": "all",
}


def _check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            raise KeyError(no_column_message(frame, column))


def _order(frame: pd.DataFrame, column: str, values: pd.Series, show: str) -> list[Any]:
    """Rows of a frequency table: every labelled value in the labels' order (also those
    nobody chose), then other values; unlabelled numbers by size, text by frequency."""
    present = values.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    by_code = label_map(column_info(frame, column)["value_labels"])
    if by_code and show == "codes":
        codes = list(by_code)
        return codes + sorted(set(present.tolist()) - set(codes))
    if pd.api.types.is_numeric_dtype(values.dtype):
        return sorted(set(present.tolist()))
    counted = present.value_counts()
    return sorted(counted.index.tolist(), key=lambda value: (-counted[value], str(value)))


def frequency_table(
    frame: pd.DataFrame, column: str, *, include_missing: bool = True, show: str = "labels"
) -> pd.DataFrame:
    """How often each value occurs: `n` and `percent` (of all rows when missing values are
    counted, of the answers otherwise), and `valid percent` (of the answers) when some are
    missing. Rounded to one decimal."""
    check_show(show)
    _check_columns(frame, [column])
    values = labelled(frame, column, show=show)
    order = _order(frame, column, values, show)
    counts = values.dropna().value_counts().reindex(order, fill_value=0).astype(int)
    missing = int(values.isna().sum())
    rows = list(order)
    numbers = counts.tolist()
    if include_missing and missing:
        rows.append(MISSING)
        numbers.append(missing)
    table = pd.DataFrame({"n": numbers}, index=pd.Index(rows, dtype=object))
    answered = int(counts.sum())
    base = answered + (missing if include_missing else 0)
    table["percent"] = (100 * table["n"] / base).round(1) if base else 0.0
    if include_missing and missing:
        valid = [100 * n / answered if answered else 0.0 for n in counts.tolist()]
        table["valid percent"] = pd.Series([*valid, None], index=table.index, dtype="float64")
        table["valid percent"] = table["valid percent"].round(1)
    table.index.name = column_title(frame, column)
    return table


def cross_table(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    *,
    percentages: str = "counts",
    show: str = "labels",
    totals: bool = True,
) -> pd.DataFrame:
    """Counts of every combination of two columns (values that occur), with totals; or
    percentages of each row, column or of all (one decimal)."""
    check_show(show)
    _check_columns(frame, [rows, columns])
    if percentages not in PERCENTAGES:
        raise ValueError(f"percentages must be one of {', '.join(PERCENTAGES)}")
    normalize = PERCENTAGES[percentages]
    table = pd.crosstab(
        labelled(frame, rows, show=show),
        labelled(frame, columns, show=show),
        margins=totals,
        margins_name=TOTAL,
        normalize=normalize,
    )
    if normalize is not False:
        table = (100 * table).round(1)
    table.index.name = column_title(frame, rows)
    table.columns.name = column_title(frame, columns)
    return table


def descriptives(
    frame: pd.DataFrame, columns: Sequence[str] | None = None, *, show: str = "labels"
) -> pd.DataFrame:
    """One row per column, with what fits its level: for numbers (scale, ordinal) n, missing,
    mean, SD, minimum, quartiles and maximum; for categories (nominal, binary) n, missing, the
    number of distinct values and the mode (its label) with its count. Never a mean of codes."""
    check_show(show)
    chosen = list(frame.columns) if not columns else list(columns)
    _check_columns(frame, chosen)
    rows = {}
    for column in chosen:
        info = column_info(frame, column)
        values = frame[column]
        row: dict[str, Any] = {
            "question": info["label"] or "",
            "level": info["measurement"] or "",
            "n": int(values.notna().sum()),
            "missing": int(values.isna().sum()),
        }
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        )
        if numeric and info["measurement"] not in CATEGORY_LEVELS:
            present = values.dropna().astype(float)
            row |= {
                "mean": present.mean(),
                "sd": present.std(),
                "min": present.min(),
                "25%": present.quantile(0.25),
                "median": present.median(),
                "75%": present.quantile(0.75),
                "max": present.max(),
            }
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            row |= {"min": values.min(), "max": values.max()}
        else:
            shown = labelled(frame, column, show=show).dropna()
            counted = shown.value_counts()
            counted = counted[counted > 0]
            row["distinct"] = len(counted)
            if len(counted):
                most = int(counted.max())
                modes = [value for value in categories(shown) if counted.get(value) == most]
                row["mode"] = ", ".join(str(value) for value in modes)
                row["mode n"] = most
        rows[column] = row
    order = ["question", "level", "n", "missing", "mean", "sd", "min", "25%", "median", "75%"]
    order += ["max", "distinct", "mode", "mode n"]
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table[[name for name in order if name in table.columns]]
    if "question" in table and not table["question"].astype(bool).any():
        table = table.drop(columns="question")
    table.index.name = "column"
    return table
