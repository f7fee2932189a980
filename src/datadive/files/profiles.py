"""Column profiles of a table already in DuckDB: missing and distinct counts, numeric summaries,
most frequent values.

A column's measurement level decides what is summed up: numbers that are codes of categories
(nominal or binary, e.g. 1 = Psychology) get counts and their mode, never a mean; ordinal
numbers get both (Likert means are common practice); scale numbers the numeric summaries."""

from __future__ import annotations

from typing import Any

import duckdb

from datadive.analysis.columns import CATEGORY_LEVELS, NUMERIC_TYPES
from datadive.files.columns import json_safe
from datadive.files.duckdb_sources import sql_name

TOP_VALUES = 10
QUANTILES = (0.25, 0.5, 0.75)
_ORDERED = NUMERIC_TYPES | {"date", "datetime", "time"}


def profile_table(
    connection: duckdb.DuckDBPyConnection, table: str, columns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One profile per column of `columns` (whose names are the table's columns). A column's
    `duckdb_type`, when given, is its type in the table; NaN and infinities count as missing."""
    if not columns:
        return []
    parts = ["count(*)"]
    for column in columns:
        name, kind = _value(column), _summed_as(column)
        parts += [f"count({name})", f"count(DISTINCT {name})"]
        if kind in _ORDERED:
            parts += [f"min({name})", f"max({name})"]
        if kind in NUMERIC_TYPES:
            quantiles = ", ".join(str(q) for q in QUANTILES)
            parts += [
                f"avg({name})",
                f"stddev_samp({name})",
                f"quantile_cont({name}, [{quantiles}])",
            ]
    row = connection.execute(f"SELECT {', '.join(parts)} FROM {table}").fetchone()  # noqa: S608
    assert row is not None
    values = iter(row)
    total = int(next(values))
    profiles = []
    for column in columns:
        kind = _summed_as(column)
        present, distinct = int(next(values)), int(next(values))
        profile: dict[str, Any] = {
            "name": column["name"],
            "count": present,
            "missing": total - present,
            "distinct": distinct,
        }
        if kind in _ORDERED:
            profile["min"], profile["max"] = json_safe(next(values)), json_safe(next(values))
        if kind in NUMERIC_TYPES:
            profile["mean"] = json_safe(next(values))
            profile["std"] = json_safe(next(values))
            found = next(values)
            profile["quantiles"] = (
                {f"{q:g}": json_safe(v) for q, v in zip(QUANTILES, found, strict=True)}
                if found is not None
                else None
            )
        if _wants_top_values(column):
            profile["top"] = _top_values(connection, table, _value(column))
            profile["mode"] = _modes(profile["top"])
        profiles.append(profile)
    return profiles


def _summed_as(column: dict[str, Any]) -> str:
    """The type whose summaries fit: category codes are summed up as categories."""
    if column.get("measurement") in CATEGORY_LEVELS and column["type"] in NUMERIC_TYPES:
        return "category"
    return str(column["type"])


def _modes(top: list[dict[str, Any]]) -> list[Any]:
    """The most frequent values (all of them when several are as frequent); none when every
    value occurs once (ids, typed answers), where a mode says nothing."""
    if not top:
        return []
    most = top[0]["count"]
    if most == 1 and len(top) > 1:
        return []
    return [item["value"] for item in top if item["count"] == most]


def _value(column: dict[str, Any]) -> str:
    name = sql_name(column["name"])
    if str(column.get("duckdb_type", "")).upper() in {"FLOAT", "DOUBLE"}:
        return f"(CASE WHEN isfinite({name}) THEN {name} END)"
    return name


def _wants_top_values(column: dict[str, Any]) -> bool:
    if column["type"] in {"string", "boolean"}:
        return True
    return (
        column.get("measurement") in {*CATEGORY_LEVELS, "ordinal"}
        and column["type"] in NUMERIC_TYPES
    )


def _top_values(
    connection: duckdb.DuckDBPyConnection, table: str, quoted: str
) -> list[dict[str, Any]]:
    rows = connection.execute(
        f"SELECT {quoted}, count(*) AS n FROM {table} WHERE {quoted} IS NOT NULL "  # noqa: S608
        f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {TOP_VALUES}"
    ).fetchall()
    return [{"value": json_safe(value), "count": int(count)} for value, count in rows]
