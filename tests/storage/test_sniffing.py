"""SECURITY.md check 21: a file's name and content must agree; spreadsheets that would expand
without bound (zip bombs, XML entities) are refused with bounded memory."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from datadive.errors import UnsupportedContent
from datadive.storage import archives
from datadive.storage.sniffing import sniff_format

WORKBOOK_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>'
)


def frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3], "score": [2.5, 3.0, 4.5]})


def make_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["id", "score"])
    book.active.append([1, 2.5])
    book.save(path)
    return path


def make_zip(path: Path, members: dict[str, bytes], *, with_types: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if with_types:
            archive.writestr("[Content_Types].xml", WORKBOOK_TYPES)
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def real_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "survey.csv": b"id,score\n1,2.5\n",
        "survey.tsv": b"id\tscore\n1\t2.5\n",
        "notes.txt": "Größe und Gewicht\n".encode("latin-1"),
        "utf16.csv": "id,name\n1,Zoë\n".encode("utf-16"),
        "data.json": b'{"rows": [1, 2, 3]}',
        "rows.jsonl": b'{"id": 1}\n{"id": 2}\n',
        "survey.qsf": b'{"SurveyEntry": {"SurveyName": "Pilot"}, "SurveyElements": []}',
        "empty.csv": b"",
    }
    found = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        found[name] = tmp_path / name
    found["book.xlsx"] = make_xlsx(tmp_path / "book.xlsx")
    pyreadstat.write_sav(frame(), str(tmp_path / "survey.sav"))
    found["survey.sav"] = tmp_path / "survey.sav"
    frame().to_stata(tmp_path / "survey.dta", write_index=False)
    found["survey.dta"] = tmp_path / "survey.dta"
    pq.write_table(pa.Table.from_pandas(frame()), tmp_path / "survey.parquet")
    found["survey.parquet"] = tmp_path / "survey.parquet"
    (tmp_path / "old.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)
    found["old.xls"] = tmp_path / "old.xls"
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    found["picture.png"] = tmp_path / "picture.png"
    return found


EXPECTED = {
    "survey.csv": "csv",
    "survey.tsv": "tsv",
    "notes.txt": "text",
    "utf16.csv": "csv",
    "data.json": "json",
    "rows.jsonl": "jsonl",
    "survey.qsf": "qsf",
    "empty.csv": "csv",
    "book.xlsx": "excel",
    "survey.sav": "spss",
    "survey.dta": "stata",
    "survey.parquet": "parquet",
    "old.xls": "excel",
    "picture.png": "other",
}


def test_real_files_are_recognized(tmp_path: Path) -> None:
    files = real_files(tmp_path)
    assert {name: sniff_format(path, name=name) for name, path in files.items()} == EXPECTED


@pytest.mark.parametrize(
    ("content_of", "claimed"),
    [
        ("picture.png", "photo.csv"),
        ("book.xlsx", "table.csv"),
        ("survey.parquet", "survey.tsv"),
        ("survey.csv", "survey.xlsx"),
        ("survey.sav", "survey.xlsx"),
        ("survey.csv", "survey.xls"),
        ("survey.csv", "survey.sav"),
        ("survey.csv", "survey.dta"),
        ("survey.csv", "survey.parquet"),
        ("survey.csv", "survey.json"),
        ("survey.sav", "survey.jsonl"),
        ("survey.dta", "survey.qsf"),
        ("survey.sav", "notes.txt"),
    ],
)
def test_extension_and_content_that_disagree_are_refused(
    tmp_path: Path, content_of: str, claimed: str
) -> None:
    path = real_files(tmp_path)[content_of]
    with pytest.raises(UnsupportedContent, match=claimed):
        sniff_format(path, name=claimed)


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", {"readme.txt": b"hi"}, with_types=False)
    with pytest.raises(UnsupportedContent, match="not an Excel workbook"):
        sniff_format(path, name="book.xlsx")


def test_a_highly_compressed_member_is_refused_without_inflating_it(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.xlsx", {"xl/sheet.xml": b"0" * (32 * 1024 * 1024)})
    assert path.stat().st_size < 100_000

    tracemalloc.start()
    try:
        with pytest.raises(UnsupportedContent, match="zip bomb"):
            sniff_format(path, name="bomb.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    members = {f"xl/part{i}.bin": b"" for i in range(archives.MAX_MEMBERS + 1)}
    path = make_zip(tmp_path / "many.xlsx", members)
    with pytest.raises(UnsupportedContent, match="parts"):
        sniff_format(path, name="many.xlsx")


def test_a_huge_declared_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Members that together would unpack beyond the limit (lowered here to keep the test small).
    monkeypatch.setattr(archives, "MAX_TOTAL_UNCOMPRESSED", 1024 * 1024)
    path = make_zip(
        tmp_path / "big.xlsx", {f"xl/{i}.xml": bytes(range(256)) * 1024 for i in range(8)}
    )
    with pytest.raises(UnsupportedContent, match="unpack"):
        sniff_format(path, name="big.xlsx")


ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<workbook>&lol2;</workbook>"""


@pytest.mark.parametrize(
    "member",
    [
        ENTITY_BOMB,
        # The declaration split across two scan chunks.
        b"<?xml version='1.0'?>" + b" " * (archives.SCAN_CHUNK - 24) + b"<!DOCTYPE x []><x/>",
        # External entities, lower case.
        b'<?xml version="1.0"?><!doctype x [<!entity e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        # UTF-16, where the markers are not plain ASCII bytes.
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><x/>'.encode("utf-16-le"),
    ],
    ids=["billion-laughs", "split-across-chunks", "external-entity", "utf-16"],
)
def test_xml_with_entity_declarations_is_refused(tmp_path: Path, member: bytes) -> None:
    path = make_zip(tmp_path / "book.xlsx", {"xl/workbook.xml": member})
    with pytest.raises(UnsupportedContent, match="DTD"):
        sniff_format(path, name="book.xlsx")


def test_scanning_a_large_workbook_member_keeps_memory_bounded(tmp_path: Path) -> None:
    rows = b"".join(b"<row r='%d'><c><v>%d</v></c></row>" % (i, i * 7) for i in range(150_000))
    sheet = b"<?xml version='1.0'?><worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
    path = make_zip(tmp_path / "large.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    assert len(sheet) > 4 * 1024 * 1024

    tracemalloc.start()
    try:
        assert sniff_format(path, name="large.xlsx") == "excel"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_large_json_is_checked_by_its_start(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"id": i, "text": "x" * 50} for i in range(30_000)]))
    assert path.stat().st_size > 1024 * 1024
    assert sniff_format(path, name="big.json") == "json"
    path.write_bytes(b"\x00\x01binary" * 200_000)
    with pytest.raises(UnsupportedContent):
        sniff_format(path, name="big.json")
