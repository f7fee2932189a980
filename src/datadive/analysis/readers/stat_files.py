"""SPSS (`.sav`, `.zsav`) and Stata (`.dta`) files through pyreadstat: variable labels become
labels, value labels value labels, and SPSS's declared measurement level the column's level.

A level the file does not declare (Stata never does; SPSS may say "unknown") follows the rule
of the file page: labelled values nominal, other numbers and dates scale, text nominal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from datadive.analysis.columns import (
    ColumnInfo,
    attach_metadata,
    measurement_from_type,
    value_label_list,
)
from datadive.analysis.labels import hold_labelled_values

_LEVELS = {"nominal", "ordinal", "scale"}


def read_spss(path: str | Path, *, labels: bool = True) -> pd.DataFrame:
    """An SPSS file. With `labels` (the default) nominal labelled columns hold their labels;
    without, every column keeps its codes (the labels stay in the metadata). User-missing
    values (e.g. 99 = no answer) are read as missing."""
    frame, meta = pyreadstat.read_sav(str(path))
    return _with_metadata(frame, meta, path=path, labels=labels)


def read_stata(path: str | Path, *, labels: bool = True) -> pd.DataFrame:
    """A Stata file, as `read_spss` reads an SPSS file."""
    frame, meta = pyreadstat.read_dta(str(path))
    return _with_metadata(frame, meta, path=path, labels=labels)


def _with_metadata(
    frame: pd.DataFrame, meta: Any, *, path: str | Path, labels: bool
) -> pd.DataFrame:
    names_to_labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    measures = getattr(meta, "variable_measure", None) or {}
    columns: dict[str, ColumnInfo] = {}
    for name in frame.columns:
        labelled = value_label_list(value_labels.get(name))
        measurement = str(measures.get(name, "unknown"))
        if measurement not in _LEVELS:
            measurement = "nominal" if labelled else str(measurement_from_type(frame[name]))
        columns[str(name)] = {
            "label": names_to_labels.get(name) or None,
            "measurement": measurement,
            "value_labels": labelled,
        }
    attach_metadata(frame, columns, source=str(path), file_label=meta.file_label or None)
    return hold_labelled_values(frame) if labels else frame
