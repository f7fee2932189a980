"""`preview`: the schema, the first rows and column profiles of a file, without a kernel.

At most `profile_row_limit(...)` rows are read into DuckDB (which spills to disk past its memory
cap); a longer file is profiled from its first rows and the result says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from datadive.files import qualtrics
from datadive.files.columns import json_safe, make_column, type_from_duckdb
from datadive.files.delimited import source_expression
from datadive.files.dialect import Dialect
from datadive.files.duckdb_sources import (
    connect,
    duckdb_error,
    json_expression,
    parquet_expression,
    sql_name,
)
from datadive.files.errors import UnreadableFile
from datadive.files.excel import read_sheet_rows
from datadive.files.metadata import TEXT_FORMATS, read_metadata
from datadive.files.profiles import profile_table
from datadive.files.stat_files import read_stat_rows

PROFILE_CELLS = 4_000_000
MIN_PROFILE_ROWS = 1_000
MAX_PROFILE_ROWS = 200_000
TABLE = "profiled"


def profile_row_limit(column_count: int) -> int:
    """Wide files are profiled from fewer rows, so that memory stays bounded."""
    return max(MIN_PROFILE_ROWS, min(MAX_PROFILE_ROWS, PROFILE_CELLS // max(column_count, 1)))


def preview(
    path: Path,
    fmt: str,
    *,
    metadata: dict[str, Any] | None = None,
    rows: int = 50,
    sheet: str | None = None,
) -> dict[str, Any]:
    """Schema, first `rows` rows and per-column profiles; JSON-serialisable. `metadata` is what
    `read_metadata` returned for this file (read again when not given)."""
    if metadata is None:
        metadata = read_metadata(path, fmt, original_name=path.name)
    if metadata["format"] in {"other", "qsf"}:
        raise UnreadableFile(
            f"A {metadata['format']} file has no table to preview; upload it as CSV, Excel, "
            "SPSS, Stata, Parquet or JSON."
        )
    schema = _schema(metadata, sheet)
    limit = max(profile_row_limit(len(schema)), rows)
    with connect() as connection:
        partial = _load(connection, path, fmt, metadata, limit=limit, sheet=sheet)
        described = connection.execute(f"DESCRIBE {TABLE}").fetchall()
        by_name = {column["name"]: column for column in schema}
        columns = [
            by_name.get(str(name)) or make_column(str(name), type_from_duckdb(str(kind)))
            for name, kind, *_ in described
        ]
        actual = [
            {**column, "type": type_from_duckdb(str(kind)), "duckdb_type": str(kind)}
            for column, (_, kind, *_) in zip(columns, described, strict=True)
        ]
        loaded = _count(connection)
        first = connection.execute(
            f"SELECT * FROM {TABLE} ORDER BY rowid LIMIT {int(rows)}"  # noqa: S608
        ).fetchall()
        result: dict[str, Any] = {
            "format": metadata["format"],
            "columns": columns,
            "rows": [[json_safe(value) for value in row] for row in first],
            "row_count": metadata.get("row_count") if partial else loaded,
            "row_count_estimate": metadata.get("row_count_estimate") if partial else loaded,
            "profile": {
                "exact": not partial,
                "rows": loaded,
                "method": f"first {loaded} rows" if partial else "all rows",
                "columns": profile_table(connection, TABLE, actual),
            },
        }
        if metadata["format"] == "excel":
            result["sheet"] = sheet or metadata.get("sheet")
        if metadata["format"] == "qualtrics":
            result["qualtrics"] = _qualtrics_flags(connection, columns, rows=rows)
    return result


def _schema(metadata: dict[str, Any], sheet: str | None) -> list[dict[str, Any]]:
    if metadata["format"] == "excel" and sheet is not None:
        for entry in metadata.get("sheets", []):
            if entry["name"] == sheet:
                return list(entry["schema"])
    return list(metadata.get("columns", []))


def _load(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    metadata: dict[str, Any],
    *,
    limit: int,
    sheet: str | None,
) -> bool:
    """Read at most `limit` rows into TABLE; True when the file holds more."""
    kind = metadata["format"]
    if kind in {*TEXT_FORMATS, "qualtrics"}:
        dialect = Dialect.from_dict(metadata["dialect"])
        names = [column["name"] for column in metadata["columns"]] if kind == "qualtrics" else None
        skip = int(metadata.get("header_rows", 0)) if names is not None else 0
        with source_expression(path, dialect, max_records=limit, skip=skip, names=names) as (
            expression,
            truncated,
        ):
            more = _create(connection, expression, limit=limit, what="table")
        return more or truncated
    if kind == "parquet":
        return _create(connection, parquet_expression(path), limit=limit, what="Parquet file")
    if kind in {"json", "jsonl"}:
        expression = json_expression(path, lines=kind == "jsonl")
        return _create(connection, expression, limit=limit, what="JSON file")
    if kind == "excel":
        table, more = read_sheet_rows(path, sheet or metadata.get("sheet"), limit=limit)
    elif kind in {"spss", "stata"}:
        table = read_stat_rows(path, kind, limit=limit + 1)
        more = table.num_rows > limit
        table = table.slice(0, limit)
    else:
        raise UnreadableFile(f"No preview for {fmt!r} files.")
    _create_from_arrow(connection, table)
    return more


def _create(
    connection: duckdb.DuckDBPyConnection, expression: str, *, limit: int, what: str
) -> bool:
    try:
        connection.execute(
            f"CREATE TEMP TABLE {TABLE} AS SELECT * FROM {expression} LIMIT {limit + 1}"  # noqa: S608
        )
    except duckdb.Error as error:
        raise duckdb_error(error, what=what) from error
    if _count(connection) <= limit:
        return False
    connection.execute(f"DELETE FROM {TABLE} WHERE rowid >= {limit}")  # noqa: S608
    return True


def _create_from_arrow(connection: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    connection.register("arrow_rows", table)
    connection.execute(f"CREATE TEMP TABLE {TABLE} AS SELECT * FROM arrow_rows")  # noqa: S608
    connection.unregister("arrow_rows")


def _count(connection: duckdb.DuckDBPyConnection) -> int:
    found = connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()  # noqa: S608
    return int(found[0]) if found else 0


def _qualtrics_flags(
    connection: duckdb.DuckDBPyConnection, columns: list[dict[str, Any]], *, rows: int
) -> dict[str, Any]:
    """Which preview rows are survey previews, tests or partial responses, and how many of
    each the profiled rows hold."""
    conditions = qualtrics.flag_expressions(columns, sql_name)
    if not conditions:
        return {"row_flags": None, "responses": None}
    flags = list(conditions)
    selected = ", ".join(conditions[flag] for flag in flags)
    first = connection.execute(
        f"SELECT {selected} FROM {TABLE} ORDER BY rowid LIMIT {int(rows)}"  # noqa: S608
    ).fetchall()
    # Each row is counted once, for the first reason it is left out (as the kernel reader
    # counts): a survey preview that is also a test counts as a preview.
    counted = []
    for index, flag in enumerate(flags):
        earlier = "".join(f" AND NOT ({conditions[e]})" for e in flags[:index])
        counted.append(f"count_if(({conditions[flag]}){earlier})")
    counts = connection.execute(
        f"SELECT count(*), {', '.join(counted)} FROM {TABLE}"  # noqa: S608
    ).fetchone()
    assert counts is not None
    return {
        "row_flags": [[flag for flag, on in zip(flags, row, strict=True) if on] for row in first],
        "responses": {"total": int(counts[0])}
        | {flag: int(n) for flag, n in zip(flags, counts[1:], strict=True)},
    }
