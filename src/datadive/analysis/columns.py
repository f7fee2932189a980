"""The column metadata a table carries in the kernel, as the readers attach it:

    df.attrs["datadive"] = {
        "source": "data/survey.csv",
        "columns": {"Q1": {"label": "What programme are you in?", "measurement": "nominal",
                           "value_labels": [{"value": 1, "label": "Psychology"}, ...]}},
    }

The keys are those of a column in the stored file metadata (`label`, `measurement`,
`value_labels`), and only JSON values go in, so that the app can read them from a running
kernel without importing Datadive there. pandas carries `attrs` along through selections,
copies, filters and merges; a column without an entry has no label, and its level is guessed
from its type (numbers and dates scale, text, categories and booleans nominal).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any, TypedDict

import pandas as pd

ATTRS_KEY = "datadive"
MEASUREMENTS = ("nominal", "ordinal", "scale", "binary")
# Column types, in the words of the file metadata (`datadive.files.columns.TYPES`).
NUMERIC_TYPES = frozenset({"integer", "number"})
SCALE_TYPES = NUMERIC_TYPES | {"date", "datetime", "time", "duration"}
NOMINAL_TYPES = frozenset({"string", "boolean"})
# Levels whose values are categories: counted, never averaged.
CATEGORY_LEVELS = frozenset({"nominal", "binary"})


class ValueLabel(TypedDict):
    value: Any
    label: str


class ColumnInfo(TypedDict):
    label: str | None
    measurement: str | None
    value_labels: list[ValueLabel] | None


def unique_names(names: list[str]) -> list[str]:
    """Column names every reader accepts: blanks named by position, repeats numbered."""
    seen: set[str] = set()
    result: list[str] = []
    for index, raw in enumerate(names):
        name = raw.strip() or f"column{index + 1}"
        candidate, number = name, 2
        while candidate in seen:
            candidate, number = f"{name}_{number}", number + 1
        seen.add(candidate)
        result.append(candidate)
    return result


def json_value(value: Any) -> Any:
    """A value label's value as JSON: numpy numbers become Python numbers, whole floats ints."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, str):
        value = item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            return int(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def value_label_list(labels: Mapping[Any, str] | None) -> list[ValueLabel] | None:
    if not labels:
        return None
    return [{"value": json_value(value), "label": str(text)} for value, text in labels.items()]


def column_type(series: pd.Series) -> str:
    """The type of a column in the words of the file metadata."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        present = series.dropna()
        whole = len(present) > 0 and bool((present == present.round()).all())
        return "integer" if whole else "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    return "string"


def level_of_type(column_type: str) -> str | None:
    """The measurement level a column's type suggests when nothing says it: numbers and
    dates scale, text and yes/no nominal (the file page and the notebook alike)."""
    if column_type in SCALE_TYPES:
        return "scale"
    if column_type in NOMINAL_TYPES:
        return "nominal"
    return None


def measurement_from_type(series: pd.Series) -> str | None:
    return level_of_type(column_type(series))


def _entries(frame: pd.DataFrame | pd.Series) -> Mapping[str, Any]:
    found = getattr(frame, "attrs", {}).get(ATTRS_KEY, {})
    columns = found.get("columns", {}) if isinstance(found, Mapping) else {}
    return columns if isinstance(columns, Mapping) else {}


def column_info(frame: pd.DataFrame, column: str) -> ColumnInfo:
    """What is known of a column: its question text or variable label, measurement level and
    value labels, with the level guessed from the type when nothing says it."""
    if column not in frame.columns:
        raise KeyError(no_column_message(frame, column))
    entry = _entries(frame).get(str(column)) or {}
    measurement = entry.get("measurement")
    if measurement not in MEASUREMENTS:
        measurement = measurement_from_type(frame[column])
    labels = entry.get("value_labels") or None
    return {
        "label": entry.get("label") or None,
        "measurement": measurement,
        "value_labels": list(labels) if labels else None,
    }


def no_column_message(frame: pd.DataFrame, column: Any) -> str:
    names = ", ".join(repr(str(name)) for name in list(frame.columns)[:20])
    more = " …" if len(frame.columns) > 20 else ""
    return f"There is no column {str(column)!r} in this table. Its columns are {names}{more}."


def set_column_info(
    frame: pd.DataFrame,
    column: str,
    *,
    label: str | None = None,
    measurement: str | None = None,
    value_labels: Mapping[Any, str] | None = None,
) -> None:
    """Record what a column is (for a column you made yourself): its label, level and value
    labels, as the readers do. Values not given stay as they were."""
    if column not in frame.columns:
        raise KeyError(no_column_message(frame, column))
    if measurement is not None and measurement not in MEASUREMENTS:
        raise ValueError(f"measurement must be one of {', '.join(MEASUREMENTS)}")
    stored = dict(frame.attrs.get(ATTRS_KEY) or {})
    columns = dict(stored.get("columns") or {})
    entry = dict(columns.get(str(column)) or {})
    if label is not None:
        entry["label"] = label
    if measurement is not None:
        entry["measurement"] = measurement
    if value_labels is not None:
        entry["value_labels"] = value_label_list(value_labels)
    entry.setdefault("label", None)
    entry.setdefault("measurement", None)
    entry.setdefault("value_labels", None)
    columns[str(column)] = entry
    stored["columns"] = columns
    frame.attrs[ATTRS_KEY] = stored


def attach_metadata(
    frame: pd.DataFrame, columns: Mapping[str, ColumnInfo], *, source: str | None, **extra: Any
) -> pd.DataFrame:
    frame.attrs[ATTRS_KEY] = {
        "source": source,
        "columns": {str(name): dict(info) for name, info in columns.items()},
        **extra,
    }
    return frame


def column_title(frame: pd.DataFrame, column: str, *, limit: int = 80) -> str:
    """The column's name with its question text, as a heading: `Q1: What programme …?`."""
    label = column_info(frame, column)["label"]
    if not label or label == str(column):
        return str(column)
    if len(label) > limit:
        label = label[: limit - 1].rstrip() + "…"
    return f"{column}: {label}"


def rename_column(frame: pd.DataFrame, column: str, new_name: str) -> pd.DataFrame:
    """The table with `column` renamed, its label, level and value labels going along."""
    if column not in frame.columns:
        raise KeyError(no_column_message(frame, column))
    renamed = frame.rename(columns={column: new_name})
    stored = copy.deepcopy(dict(frame.attrs.get(ATTRS_KEY) or {}))
    columns = dict(stored.get("columns") or {})
    if str(column) in columns:
        columns[str(new_name)] = columns.pop(str(column))
        stored["columns"] = columns
        renamed.attrs[ATTRS_KEY] = stored
    return renamed
