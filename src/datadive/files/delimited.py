"""Metadata of delimited text files (CSV, TSV, plain text), Qualtrics exports included."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from datadive.files import qualtrics
from datadive.files.columns import make_column, type_from_duckdb
from datadive.files.dialect import Dialect, sniff_dialect
from datadive.files.duckdb_sources import (
    connect,
    csv_expression,
    duckdb_error,
    readable_text,
    sql_name,
)

DEFAULT_DELIMITERS = {"csv": ",", "tsv": "\t", "text": "\t"}
TYPE_SNIFF_RECORDS = 20_480  # DuckDB's own sample size for type detection


def read_delimited_metadata(path: Path, fmt: str) -> dict[str, Any]:
    dialect, records = sniff_dialect(path, default_delimiter=DEFAULT_DELIMITERS.get(fmt, ","))
    kind = qualtrics.detect_export(records)
    if kind is not None:
        return _qualtrics_metadata(path, dialect, kind, qualtrics.header_columns(records, kind))
    with source_expression(path, dialect, max_records=TYPE_SNIFF_RECORDS) as (expression, _):
        described = _describe(expression)
    return {
        "format": fmt,
        "dialect": dialect.as_dict(),
        "header_rows": 1 if dialect.header else 0,
        "columns": [make_column(name, type_from_duckdb(kind)) for name, kind in described],
        "row_count": None,
        "row_count_estimate": _estimate_rows(path, dialect),
    }


def read_qualtrics(csv_path: Path, qsf_path: Path | None = None) -> dict[str, Any]:
    """Metadata of a Qualtrics CSV/TSV export, with question types and choice labels when the
    survey's `.qsf` is given."""
    dialect, kind, headers = qualtrics.sniff_export(csv_path)
    return _qualtrics_metadata(csv_path, dialect, kind, headers, qsf_path=qsf_path)


def with_survey_definition(metadata: Mapping[str, Any], qsf_path: Path) -> dict[str, Any] | None:
    """A Qualtrics export's stored metadata (read without its `.qsf`) described again with the
    survey definition: what `read_qualtrics(csv, qsf)` gives, without reading the export
    again (its stored columns keep what the header rows say and which choice columns hold
    only 1s). None for metadata that does not keep those facts (then read the export)."""
    facts = metadata.get("qualtrics")
    if metadata.get("format") != "qualtrics" or not isinstance(facts, dict) or facts.get("qsf"):
        return None
    headers: list[dict[str, Any]] = []
    types: list[str] = []
    only_ones: set[str] = set()
    for column in metadata.get("columns") or []:
        header = column.get("qualtrics")
        if not isinstance(header, dict) or "role" not in header:
            return None
        headers.append(
            {
                "name": column["name"],
                "text": column.get("label") or "",
                "import_id": header.get("import_id"),
                "time_zone": header.get("time_zone"),
                "field": header.get("field"),
                "blank": header["role"] == "unnamed",
            }
        )
        types.append(column["type"])
        if header.get("multi_select"):
            only_ones.add(column["name"])
    columns = qualtrics.describe_columns(
        headers, types, qsf_path=qsf_path, only_ones=frozenset(only_ones)
    )
    return {**metadata, "qualtrics": {**facts, "qsf": True}, "columns": columns}


def _qualtrics_metadata(
    path: Path,
    dialect: Dialect,
    kind: str,
    headers: list[dict[str, Any]],
    *,
    qsf_path: Path | None = None,
) -> dict[str, Any]:
    skip = qualtrics.HEADER_ROWS[kind]
    names = [header["name"] for header in headers]
    with source_expression(
        path, dialect, max_records=TYPE_SNIFF_RECORDS, skip=skip, names=names
    ) as (expression, _):
        described = _describe(expression)
        types = [type_from_duckdb(duckdb_type) for _, duckdb_type in described]
        if len(types) != len(headers):
            raise duckdb_error(
                duckdb.InvalidInputException(
                    f"the header has {len(headers)} columns but the data rows {len(types)}"
                ),
                what="Qualtrics export",
            )
        only_ones = _only_ones(expression, qualtrics.indicator_candidates(headers, types))
    columns = qualtrics.describe_columns(headers, types, qsf_path=qsf_path, only_ones=only_ones)
    return {
        "format": "qualtrics",
        "dialect": dialect.as_dict(),
        "header_rows": skip,
        "qualtrics": {"export": kind, "qsf": qsf_path is not None},
        "columns": columns,
        "row_count": None,
        "row_count_estimate": max(_estimate_rows(path, dialect) - skip + 1, 0),
    }


@contextmanager
def source_expression(
    path: Path,
    dialect: Dialect,
    *,
    max_records: int,
    skip: int = 0,
    names: list[str] | None = None,
) -> Iterator[tuple[str, bool]]:
    """A DuckDB `read_csv(...)` over the file, and whether it only covers the file's start."""
    with readable_text(path, dialect, max_records=max_records + skip) as (
        readable,
        encoding,
        truncated,
    ):
        yield (
            csv_expression(readable, dialect, encoding=encoding, skip=skip, names=names),
            truncated,
        )


def _describe(expression: str) -> list[tuple[str, str]]:
    with connect() as connection:
        try:
            rows = connection.execute(f"DESCRIBE SELECT * FROM {expression}").fetchall()  # noqa: S608
        except duckdb.Error as error:
            raise duckdb_error(error, what="table") from error
    return [(str(row[0]), str(row[1])) for row in rows]


def _only_ones(expression: str, candidates: list[str]) -> frozenset[str]:
    """Which columns hold nothing but 1 (and blanks) in the sniffed rows: how Qualtrics
    writes the choices of a multi-select question, one column each."""
    if not candidates:
        return frozenset()
    checks = ", ".join(f"coalesce(bool_and({sql_name(name)} = 1), false)" for name in candidates)
    with connect() as connection:
        try:
            row = connection.execute(f"SELECT {checks} FROM {expression}").fetchone()  # noqa: S608
        except duckdb.Error as error:
            raise duckdb_error(error, what="Qualtrics export") from error
    assert row is not None
    return frozenset(name for name, all_ones in zip(candidates, row, strict=True) if all_ones)


def _estimate_rows(path: Path, dialect: Dialect) -> int:
    records = path.stat().st_size / max(dialect.bytes_per_record, 1.0)
    return max(round(records) - (1 if dialect.header else 0), 0)
