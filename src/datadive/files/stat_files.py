"""SPSS `.sav` and Stata `.dta` through pyreadstat: labels without reading the data, and the
first rows when a preview needs them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyreadstat

from datadive.files.columns import make_column
from datadive.files.errors import UnreadableFile

_READERS = {"spss": pyreadstat.read_sav, "stata": pyreadstat.read_dta}
_NAMES = {"spss": "SPSS (.sav)", "stata": "Stata (.dta)"}
_MEASURES = {"nominal": "nominal", "ordinal": "ordinal", "scale": "scale"}
_DATETIME_FORMATS = re.compile(r"^(DATETIME|YMDHMS|%t[cC]|%tc)", re.IGNORECASE)
_DATE_FORMATS = re.compile(
    r"^(DATE|ADATE|EDATE|SDATE|JDATE|QYR|MOYR|WKYR|%t[dwmqhy]|%d)", re.IGNORECASE
)
_TIME_FORMATS = re.compile(r"^(TIME|DTIME|MTIME)", re.IGNORECASE)
_INTEGER_FORMAT = re.compile(r"^(F|N)\d+(\.0)?$|^%-?\d*\.0[fg]$|^%(8|12)\.0g$", re.IGNORECASE)


def _read(path: Path, fmt: str, **options: Any) -> tuple[Any, Any]:
    try:
        return _READERS[fmt](str(path), **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError) as error:
        raise UnreadableFile(
            f"This file cannot be read as {_NAMES[fmt]}: {error}. Save it again from "
            f"{'SPSS' if fmt == 'spss' else 'Stata'} (or export it as CSV) and upload it again."
        ) from error


def read_stat_metadata(path: Path, fmt: str) -> dict[str, Any]:
    _, meta = _read(path, fmt, metadataonly=True, user_missing=(fmt == "spss"))
    value_labels = meta.variable_value_labels or {}
    missing = meta.missing_ranges or {}
    measures = meta.variable_measure or {}
    formats = meta.original_variable_types or {}
    kinds = meta.readstat_variable_types or {}
    columns = []
    for name, label in zip(meta.column_names, meta.column_labels, strict=True):
        measure = _MEASURES.get(str(measures.get(name, "unknown")))
        columns.append(
            make_column(
                name,
                _column_type(kinds.get(name), formats.get(name)),
                label=label,
                value_labels=value_labels.get(name),
                measurement=measure,
                measurement_source="file" if measure else None,
                missing_values=_missing_values(missing.get(name)),
                format=formats.get(name),
            )
        )
    return {
        "format": fmt,
        "columns": columns,
        "row_count": meta.number_rows if meta.number_rows is not None else None,
        "file_label": meta.file_label or None,
        "file_encoding": meta.file_encoding or None,
    }


def _column_type(kind: str | None, display_format: str | None) -> str:
    if kind == "string":
        return "string"
    shown = display_format or ""
    if _DATETIME_FORMATS.match(shown):
        return "datetime"
    if _DATE_FORMATS.match(shown):
        return "date"
    if _TIME_FORMATS.match(shown):
        return "time"
    if kind in {"int8", "int16", "int32"} or _INTEGER_FORMAT.match(shown):
        return "integer"
    return "number"


def _missing_values(ranges: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """SPSS user-missing values: discrete values, and at most one range."""
    if not ranges:
        return None
    values = [item["lo"] for item in ranges if item["lo"] == item["hi"]]
    spans = [{"low": item["lo"], "high": item["hi"]} for item in ranges if item["lo"] != item["hi"]]
    return {"values": values, "ranges": spans}


def read_stat_rows(path: Path, fmt: str, *, limit: int) -> pa.Table:
    """The first `limit` rows; user-missing values read as missing."""
    frame, _ = _read(path, fmt, row_limit=limit)
    return pa.Table.from_pandas(frame, preserve_index=False)
