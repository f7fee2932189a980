"""Excel workbooks (.xlsx, .xlsm) through openpyxl in read-only mode: rows are streamed from
the sheet's XML, so a big sheet is never loaded whole."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pyarrow as pa
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from datadive.analysis.columns import unique_names
from datadive.files.columns import make_column
from datadive.files.errors import UnreadableFile

TYPE_SNIFF_ROWS = 200


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise UnreadableFile(
            "This file cannot be read as an Excel workbook (.xlsx). Old .xls files must be "
            "saved as .xlsx (Excel: File → Save As) first."
        ) from error
    try:
        yield workbook
    finally:
        workbook.close()


def read_excel_metadata(path: Path) -> dict[str, Any]:
    with open_workbook(path) as workbook:
        sheets = []
        for sheet in workbook.worksheets:
            names, table, _ = _read_sheet(sheet, limit=TYPE_SNIFF_ROWS)
            sheets.append(
                {
                    "name": sheet.title,
                    "rows": _data_rows(sheet.max_row),
                    "columns": sheet.max_column,
                    "schema": [
                        make_column(name, _arrow_type(field.type))
                        for name, field in zip(names, table.schema, strict=True)
                    ],
                }
            )
    if not sheets:
        raise UnreadableFile("The workbook has no worksheets.")
    first = sheets[0]
    return {
        "format": "excel",
        "sheets": sheets,
        "sheet": first["name"],
        "columns": first["schema"],
        "row_count": first["rows"],
    }


def read_sheet_rows(path: Path, sheet_name: str | None, *, limit: int) -> tuple[pa.Table, bool]:
    """The first `limit` data rows of a sheet (the first sheet by default) as an Arrow table,
    and whether the sheet has more."""
    with open_workbook(path) as workbook:
        if sheet_name is None:
            sheet = workbook.worksheets[0]
        elif sheet_name in workbook.sheetnames:
            sheet = workbook[sheet_name]
        else:
            raise UnreadableFile(
                f"The workbook has no sheet {sheet_name!r}; its sheets are "
                + ", ".join(repr(name) for name in workbook.sheetnames)
                + "."
            )
        names, table, more = _read_sheet(sheet, limit=limit)
    return table.rename_columns(names), more


def _data_rows(max_row: int | None) -> int | None:
    return None if max_row is None else max(max_row - 1, 0)


def _read_sheet(sheet: Any, *, limit: int) -> tuple[list[str], pa.Table, bool]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    width = len(header)
    data: list[tuple[Any, ...]] = []
    more = False
    for row in rows:
        if len(data) == limit:
            more = True
            break
        if any(value is not None for value in row):
            data.append(row)
            width = max(width, len(row))
    if header and all(isinstance(value, str) and value.strip() for value in header):
        raw_names = [str(value) for value in header]
    else:  # no header row: name columns by letter, and keep the first row as data
        raw_names = [get_column_letter(index + 1) for index in range(width)]
        if header:
            data.insert(0, tuple(header))
            data = data[:limit]
    raw_names += [get_column_letter(index + 1) for index in range(len(raw_names), width)]
    names = unique_names(raw_names)
    columns = [_column([row[i] if i < len(row) else None for row in data]) for i in range(width)]
    arrays = {f"c{index}": column for index, column in enumerate(columns)}
    return names, pa.table(arrays) if arrays else pa.table({}), more


def _column(values: list[Any]) -> pa.Array:
    """One Arrow column; a column that mixes kinds (numbers and text) becomes text."""
    kinds = {_kind(value) for value in values if value is not None}
    if kinds == {"integer", "number"}:
        values = [None if v is None else float(v) for v in values]
    elif len(kinds) > 1:
        values = [None if v is None else str(v) for v in values]
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return type(value).__name__
    return "string"


def _arrow_type(arrow_type: pa.DataType) -> str:
    checks = (
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_integer, "integer"),
        (pa.types.is_floating, "number"),
        (pa.types.is_timestamp, "datetime"),
        (pa.types.is_date, "date"),
        (pa.types.is_time, "time"),
        (pa.types.is_string, "string"),
        (pa.types.is_null, "string"),
    )
    for check, name in checks:
        if check(arrow_type):
            return name
    return "other"
