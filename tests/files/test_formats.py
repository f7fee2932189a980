"""SPSS, Stata, Excel, Parquet and JSON files: labels kept, previews read only what they need."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from datadive.files import UnreadableFile, UnsupportedFormat, preview, read_metadata


def by_name(columns: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in columns}


@pytest.fixture
def sav_file(tmp_path: Path) -> Path:
    frame = pd.DataFrame(
        {
            "id": [1.0, 2.0, 3.0, 4.0],
            "satisfied": [1.0, 2.0, 99.0, 1.0],
            "income": [1200.5, float("nan"), 3100.0, 2500.0],
            "city": ["Bern", "Basel", "", "Bern"],
        }
    )
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Respondent", "Are you satisfied?", "Monthly income", "City"],
        variable_value_labels={"satisfied": {1.0: "Yes", 2.0: "No", 99.0: "No answer"}},
        missing_ranges={"satisfied": [99.0]},
        variable_measure={"satisfied": "nominal", "income": "scale", "id": "nominal"},
        variable_format={"id": "F8.0", "satisfied": "F2.0", "income": "F8.2"},
    )
    return path


def test_spss_labels_and_user_missing_values(sav_file: Path) -> None:
    metadata = read_metadata(sav_file, "spss", original_name="survey.sav")
    assert metadata["row_count"] == 4
    columns = by_name(metadata["columns"])
    satisfied = columns["satisfied"]
    assert satisfied["label"] == "Are you satisfied?"
    assert {"value": 99, "label": "No answer"} in satisfied["value_labels"]
    assert satisfied["missing_values"] == {"values": [99], "ranges": []}
    assert satisfied["measurement"] == "nominal"
    assert satisfied["measurement_source"] == "file"
    assert satisfied["type"] == "integer"
    assert columns["income"]["measurement"] == "scale"
    assert columns["income"]["type"] == "number"
    assert columns["city"]["type"] == "string"

    shown = preview(sav_file, "spss", metadata=metadata)
    profiles = by_name(shown["profile"]["columns"])
    assert profiles["satisfied"]["missing"] == 1  # 99 is user-missing
    assert profiles["satisfied"]["top"] == [{"value": 1, "count": 2}, {"value": 2, "count": 1}]
    assert profiles["income"]["missing"] == 1
    assert shown["rows"][1][2] is None  # NaN becomes null
    json.dumps(shown, allow_nan=False)


def test_stata_value_labels(tmp_path: Path) -> None:
    path = tmp_path / "panel.dta"
    frame = pd.DataFrame(
        {
            "wave": [1, 2, 3],
            "sex": pd.Categorical(["female", "male", "female"]),
            "born": [dt.datetime(1990, 5, 1), dt.datetime(1985, 1, 2), dt.datetime(2000, 12, 31)],
        }
    )
    frame.to_stata(path, write_index=False, variable_labels={"wave": "Survey wave"})
    metadata = read_metadata(path, "stata", original_name="panel.dta")
    columns = by_name(metadata["columns"])
    assert columns["wave"]["label"] == "Survey wave"
    assert [v["label"] for v in columns["sex"]["value_labels"]] == ["female", "male"]
    assert columns["sex"]["measurement"] == "nominal"
    assert columns["born"]["type"] == "datetime"
    shown = preview(path, "stata", metadata=metadata)
    assert shown["rows"][0][2] == "1990-05-01T00:00:00"
    assert by_name(shown["profile"]["columns"])["wave"]["max"] == 3


def test_excel_sheets_with_dimensions(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Answers"
    first.append(["id", "score", "when"])
    for number in range(1, 6):
        first.append([number, number * 1.5, dt.datetime(2024, 1, number)])
    second = workbook.create_sheet("Codes")
    second.append(["code", "meaning"])
    second.append(["A", "agree"])
    second.append(["D", "disagree"])
    workbook.save(path)

    metadata = read_metadata(path, "excel", original_name="book.xlsx")
    sheets = {sheet["name"]: sheet for sheet in metadata["sheets"]}
    assert list(sheets) == ["Answers", "Codes"]
    assert (sheets["Answers"]["rows"], sheets["Answers"]["columns"]) == (5, 3)
    assert (sheets["Codes"]["rows"], sheets["Codes"]["columns"]) == (2, 2)
    assert [c["type"] for c in sheets["Answers"]["schema"]] == ["integer", "number", "datetime"]

    shown = preview(path, "excel", metadata=metadata)
    assert shown["sheet"] == "Answers"
    assert shown["rows"][0] == [1, 1.5, "2024-01-01T00:00:00"]
    assert by_name(shown["profile"]["columns"])["score"]["mean"] == pytest.approx(4.5)
    codes = preview(path, "excel", metadata=metadata, sheet="Codes")
    assert codes["rows"] == [["A", "agree"], ["D", "disagree"]]
    with pytest.raises(UnreadableFile, match="no sheet 'Nope'"):
        preview(path, "excel", metadata=metadata, sheet="Nope")


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table(
        {
            "x": pa.array([1.0, None, 3.0, float("nan")]),
            "day": pa.array([dt.date(2024, 1, d) for d in (1, 2, 3, 4)]),
            "tag": pa.array(["a", "b", "a", None]),
        }
    )
    pq.write_table(table, path)
    metadata = read_metadata(path, "parquet", original_name="t.parquet")
    assert metadata["row_count"] == 4
    assert [c["type"] for c in metadata["columns"]] == ["number", "date", "string"]
    shown = preview(path, "parquet", metadata=metadata)
    assert shown["rows"][1] == [None, "2024-01-02", "b"]
    assert shown["rows"][3][0] is None  # NaN
    assert by_name(shown["profile"]["columns"])["tag"]["top"][0] == {"value": "a", "count": 2}
    json.dumps(shown, allow_nan=False)


def test_json_lines_and_json_arrays(tmp_path: Path) -> None:
    records = [{"id": 1, "name": "a", "tags": ["x"]}, {"id": 2, "name": None, "tags": []}]
    lines = tmp_path / "r.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    shown = preview(lines, "jsonl")
    assert [c["name"] for c in shown["columns"]] == ["id", "name", "tags"]
    assert shown["rows"] == [[1, "a", ["x"]], [2, None, []]]
    array = tmp_path / "r.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    metadata = read_metadata(array, "json", original_name="r.json")
    assert [c["type"] for c in metadata["columns"]][:2] == ["integer", "string"]


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("spss", b"not an spss file at all", "cannot be read as SPSS"),
        ("stata", b"\x00\x01garbage", "cannot be read as Stata"),
        ("excel", b"PK\x03\x04 broken zip", "save"),
        ("parquet", b"PAR1 not really", "Parquet file cannot be read"),
        ("json", b'[{"a": 1}, {"a": ', "JSON file"),
    ],
)
def test_malformed_files_say_what_is_wrong(
    fmt: str, content: bytes, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message) as raised:
        preview(path, fmt)
    assert raised.value.errors[0].field == "file"


def test_unknown_formats(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00")
    assert read_metadata(path, "other", original_name="x.bin")["columns"] == []
    with pytest.raises(UnsupportedFormat):
        read_metadata(path, "docx", original_name="x.docx")
