"""CSV, TSV and text files: encodings, delimiters, decimal commas, header rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datadive.files import UnreadableFile, preview, previews, read_metadata

ROWS = [("Müller", "1,5", "2024-01-31"), ("Šarić", "2,25", "2024-02-29"), ("Ødegård", "", "")]


def semicolon_csv(path: Path, *, encoding: str = "utf-8") -> Path:
    lines = ["name;score;date"] + [";".join(row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    path = semicolon_csv(tmp_path / "scores.csv")
    metadata = read_metadata(path, "csv", original_name="scores.csv")
    assert metadata["dialect"]["delimiter"] == ";"
    assert metadata["dialect"]["decimal"] == ","
    types = {c["name"]: c["type"] for c in metadata["columns"]}
    assert types == {"name": "string", "score": "number", "date": "date"}

    shown = preview(path, "csv", metadata=metadata)
    assert shown["rows"][0] == ["Müller", 1.5, "2024-01-31"]
    assert shown["rows"][2] == ["Ødegård", None, None]
    score = shown["profile"]["columns"][1]
    assert score["mean"] == pytest.approx(1.875)
    assert score["missing"] == 1
    assert shown["profile"]["exact"] is True


def test_utf16_tsv(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    text = "group\tvalue\nA\t1.5\nB\t2.5\nA\t\n"
    path.write_bytes(text.encode("utf-16"))  # with a byte-order mark
    metadata = read_metadata(path, "tsv", original_name="data.tsv")
    assert metadata["dialect"]["encoding"] == "utf-16-le"
    assert metadata["dialect"]["delimiter"] == "\t"
    shown = preview(path, "tsv", metadata=metadata)
    assert shown["rows"] == [["A", 1.5], ["B", 2.5], ["A", None]]
    group = shown["profile"]["columns"][0]
    assert group["top"] == [{"value": "A", "count": 2}, {"value": "B", "count": 1}]


def test_utf16_big_endian_is_transcoded(tmp_path: Path) -> None:
    path = tmp_path / "be.tsv"
    path.write_bytes(b"\xfe\xff" + "Größe\tAnzahl\nXL\t3\n".encode("utf-16-be"))
    shown = preview(path, "tsv")
    assert [c["name"] for c in shown["columns"]] == ["Größe", "Anzahl"]
    assert shown["rows"] == [["XL", 3]]


def test_utf8_bom_does_not_end_up_in_the_first_name(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,Stadt\n1,Zürich\n2,Genève\n".encode())
    metadata = read_metadata(path, "csv", original_name="bom.csv")
    assert metadata["dialect"]["encoding"] == "utf-8-sig"
    assert [c["name"] for c in metadata["columns"]] == ["id", "Stadt"]
    assert preview(path, "csv", metadata=metadata)["rows"][1] == [2, "Genève"]


def test_windows_1252_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    path.write_bytes("Preis;Währung\n3,50;€\n4,00;€\n".encode("cp1252"))
    metadata = read_metadata(path, "csv", original_name="cp.csv")
    assert metadata["dialect"]["encoding"] == "cp1252"
    shown = preview(path, "csv", metadata=metadata)
    assert shown["rows"] == [[3.5, "€"], [4.0, "€"]]


def test_file_without_header_row(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("1,2.5,x\n2,3.5,y\n3,4.5,z\n", encoding="utf-8")
    metadata = read_metadata(path, "csv", original_name="bare.csv")
    assert metadata["dialect"]["header"] is False
    assert len(preview(path, "csv", metadata=metadata)["rows"]) == 3


def test_pipes(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("a|b|c\n1|2|3\n4|5|6\n", encoding="utf-8")
    metadata = read_metadata(path, "text", original_name="p.txt")
    assert metadata["dialect"]["delimiter"] == "|"
    assert [c["name"] for c in metadata["columns"]] == ["a", "b", "c"]


def test_big_files_are_profiled_from_their_first_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(previews, "MIN_PROFILE_ROWS", 100)
    monkeypatch.setattr(previews, "MAX_PROFILE_ROWS", 100)
    path = tmp_path / "long.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(1000)), encoding="utf-8")
    shown = preview(path, "csv", rows=5)
    assert shown["profile"]["exact"] is False
    assert shown["profile"]["rows"] == 100
    assert shown["profile"]["columns"][0]["max"] == 99
    assert shown["row_count"] is None
    assert 800 < shown["row_count_estimate"] < 1200
    assert shown["rows"] == [[0], [1], [2], [3], [4]]
    json.dumps(shown, allow_nan=False)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        read_metadata(path, "csv", original_name="empty.csv")


def test_invalid_utf16_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(b"\xff\xfe" + "a\tb\n".encode("utf-16-le") + b"\x00\xd8\x41\x00")
    with pytest.raises(UnreadableFile, match="save it as UTF-8"):
        read_metadata(path, "tsv", original_name="bad.tsv")
