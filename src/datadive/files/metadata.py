"""`read_metadata`: what a file holds (columns, types, labels) without reading its data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from datadive.files.columns import make_column, type_from_duckdb
from datadive.files.delimited import read_delimited_metadata
from datadive.files.duckdb_sources import (
    connect,
    duckdb_error,
    json_expression,
    parquet_expression,
)
from datadive.files.errors import UnreadableFile, UnsupportedFormat
from datadive.files.excel import read_excel_metadata
from datadive.files.qsf import question_summaries, read_qsf
from datadive.files.stat_files import read_stat_metadata

FORMATS = ("csv", "tsv", "text", "excel", "spss", "stata", "parquet", "json", "jsonl", "qsf")
TEXT_FORMATS = ("csv", "tsv", "text")


def read_metadata(path: Path, fmt: str, *, original_name: str) -> dict[str, Any]:
    """JSON-serialisable metadata. `fmt` is the sniffed format name; a Qualtrics export given
    as csv/tsv comes back with `"format": "qualtrics"`. Unknown formats ("other") have none."""
    if fmt == "other":
        return {"format": "other", "original_name": original_name, "columns": []}
    if fmt not in FORMATS:
        raise UnsupportedFormat(
            f"Unknown file format {fmt!r}; expected one of {', '.join(FORMATS)} or 'other'."
        )
    if not path.is_file():
        raise UnreadableFile(f"{original_name} was not found in storage; upload it again.")
    metadata = _read(path, fmt)
    metadata["original_name"] = original_name
    metadata["size"] = path.stat().st_size
    return metadata


def _read(path: Path, fmt: str) -> dict[str, Any]:
    if fmt in TEXT_FORMATS:
        return read_delimited_metadata(path, fmt)
    if fmt == "excel":
        return read_excel_metadata(path)
    if fmt in {"spss", "stata"}:
        return read_stat_metadata(path, fmt)
    if fmt == "qsf":
        survey = read_qsf(path)
        return {
            "format": "qsf",
            "survey_id": survey["survey_id"],
            "survey_name": survey["survey_name"],
            "questions": question_summaries(survey),
            "columns": [],
        }
    if fmt == "parquet":
        return _duckdb_metadata(parquet_expression(path), fmt=fmt, what="Parquet file", count=True)
    return _duckdb_metadata(
        json_expression(path, lines=fmt == "jsonl"),
        fmt=fmt,
        what="JSON Lines file" if fmt == "jsonl" else "JSON file (an array of records)",
        count=False,
    )


def _duckdb_metadata(expression: str, *, fmt: str, what: str, count: bool) -> dict[str, Any]:
    with connect() as connection:
        try:
            described = connection.execute(f"DESCRIBE SELECT * FROM {expression}").fetchall()  # noqa: S608
            row_count = None
            if count:  # Parquet keeps its row count in the footer: counting reads no data
                counted = connection.execute(f"SELECT count(*) FROM {expression}").fetchone()  # noqa: S608
                row_count = int(counted[0]) if counted else None
        except duckdb.Error as error:
            raise duckdb_error(error, what=what) from error
    return {
        "format": fmt,
        "columns": [make_column(str(row[0]), type_from_duckdb(str(row[1]))) for row in described],
        "row_count": row_count,
    }
