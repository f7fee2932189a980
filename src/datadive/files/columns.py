"""The column description every format shares, and JSON-safe values.

A column is a dict: `name`, `type` (integer, number, string, boolean, date, datetime, time,
duration, other), `measurement` (nominal, ordinal, scale, binary, or None),
`measurement_source` (file, qsf, qualtrics, import_id, type), `label`, `value_labels` (a list
of {value, label}) and `missing_values` (user-missing values declared in the file).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import math
import uuid
from collections.abc import Mapping
from typing import Any

from datadive.analysis.columns import level_of_type

TYPES = ("integer", "number", "string", "boolean", "date", "datetime", "time", "duration", "other")

_DUCKDB_TYPES = {
    "TINYINT": "integer",
    "SMALLINT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "UTINYINT": "integer",
    "USMALLINT": "integer",
    "UINTEGER": "integer",
    "UBIGINT": "integer",
    "UHUGEINT": "integer",
    "FLOAT": "number",
    "DOUBLE": "number",
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIME": "time",
    "INTERVAL": "duration",
}


def type_from_duckdb(duckdb_type: str) -> str:
    name = duckdb_type.upper()
    if name.startswith("DECIMAL"):
        return "number"
    if name.startswith("TIMESTAMP"):
        return "datetime"
    if name.startswith("TIME"):
        return "time"
    return _DUCKDB_TYPES.get(name, "other")


def make_column(
    name: str,
    column_type: str,
    *,
    label: str | None = None,
    value_labels: Mapping[Any, str] | None = None,
    measurement: str | None = None,
    measurement_source: str | None = None,
    missing_values: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if measurement is None:
        if value_labels:
            measurement, measurement_source = "nominal", "type"
        else:
            measurement = level_of_type(column_type)
            measurement_source = "type" if measurement else None
    column: dict[str, Any] = {
        "name": name,
        "type": column_type,
        "measurement": measurement,
        "measurement_source": measurement_source if measurement else None,
        "label": label or None,
        "value_labels": [
            {"value": json_safe(value), "label": text} for value, text in value_labels.items()
        ]
        if value_labels
        else None,
        "missing_values": missing_values,
    }
    column.update(extra)
    return column


def json_safe(value: Any) -> Any:
    """Turn what DuckDB, pyarrow, pandas or openpyxl hand back into JSON: NaN and infinities
    become None, dates ISO strings, decimals floats, bytes base64."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return json_safe(float(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(item) for item in value]
    return _foreign_scalar(value)


def _foreign_scalar(value: Any) -> Any:
    """numpy scalars, pandas Timestamp and NaT."""
    if type(value).__name__ == "NaTType":
        return None
    item = getattr(value, "item", None)
    if callable(item):
        return json_safe(item())
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)
