"""What a file is, from its name and its first bytes; names that lie are refused.

`sniff_format` returns one of FORMATS. A file whose extension promises a format its content
does not have raises UnsupportedContent (415): a `.csv` that is really an executable, a
`.xlsx` that is not a workbook. Names with an extension not listed here are "other" and are
stored as opaque bytes (downloaded as `application/octet-stream`).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path, PurePosixPath
from typing import Literal

from datadive.errors import UnsupportedContent
from datadive.storage.archives import check_office_archive

Format = Literal[
    "csv", "tsv", "text", "excel", "spss", "stata", "parquet", "json", "jsonl", "qsf", "other"
]

EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
    ".parquet": "parquet",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".qsf": "qsf",
}

CONTENT_TYPES: dict[str, str] = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".tab": "text/tab-separated-values",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".xls": "application/vnd.ms-excel",
    ".sav": "application/x-spss-sav",
    ".zsav": "application/x-spss-sav",
    ".dta": "application/x-stata-dta",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/jsonl",
    ".qsf": "application/json",
}
OPAQUE = "application/octet-stream"

HEAD_BYTES = 64 * 1024
WHOLE_JSON_BYTES = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
SPSS_MAGICS = (b"$FL2", b"$FL3")
PARQUET_MAGIC = b"PAR1"
# Stata before 13 (formats 102…115): version byte, byte order (1 or 2), file type 1.
OLD_STATA_VERSIONS = range(102, 116)
TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1a")


def extension_of(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(extension_of(name), OPAQUE)


def mismatch(name: str, expected: str) -> UnsupportedContent:
    return UnsupportedContent(
        f"{PurePosixPath(name).name!r} does not contain {expected}; "
        "check the file, or give it the extension of what it really is."
    )


def sniff_format(path: Path, *, name: str) -> Format:
    """The format of the file at `path` called `name`; UnsupportedContent on a mismatch.

    Reads the first HEAD_BYTES (more only to check a spreadsheet archive or a small JSON
    document): memory stays bounded whatever the file holds."""
    expected = EXTENSIONS.get(extension_of(name), "other")
    with path.open("rb") as source:
        head = source.read(HEAD_BYTES)
    whole = path.stat().st_size <= len(head)
    if expected in ("csv", "tsv", "text"):
        if decode_text(head, complete=whole) is None:
            raise mismatch(name, "text")
    elif expected == "excel":
        check_spreadsheet(path, head, name=name)
    elif expected == "spss":
        if not head.startswith(SPSS_MAGICS):
            raise mismatch(name, "an SPSS data file")
    elif expected == "stata":
        if not is_stata(head):
            raise mismatch(name, "a Stata data file")
    elif expected == "parquet":
        if not is_parquet(path, head):
            raise mismatch(name, "a Parquet file")
    elif expected in ("json", "qsf"):
        if not is_json(path, head):
            raise mismatch(name, "JSON")
    elif expected == "jsonl" and not is_json_lines(head, complete=whole):
        raise mismatch(name, "JSON lines")
    return expected


def check_spreadsheet(path: Path, head: bytes, *, name: str) -> None:
    if extension_of(name) == ".xls":
        if not head.startswith(OLE2_MAGIC):
            raise mismatch(name, "an Excel 97-2003 workbook")
        return
    if not head.startswith(ZIP_MAGIC):
        raise mismatch(name, "an Excel workbook")
    check_office_archive(path)


def decode_text(data: bytes, *, complete: bool) -> str | None:
    """`data` as text (UTF-8, UTF-16 with a byte-order mark, or Latin-1), or None if binary.

    `complete=False`: `data` is a prefix, so a character cut at its end is not an error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(data, final=complete)
    except UnicodeDecodeError:
        if b"\x00" in data:
            return None
        text = data.decode("latin-1")
    if "\x00" in text:
        return None
    controls = sum(1 for char in text if ord(char) < 32 and ord(char) not in TEXT_CONTROLS)
    return None if controls > max(len(text) // 100, 0) else text


def is_stata(head: bytes) -> bool:
    if head.startswith(b"<stata_dta>"):
        return True
    return (
        len(head) >= 4
        and head[0] in OLD_STATA_VERSIONS
        and head[1] in (1, 2)
        and head[2] == 1
        and head[3] == 0
    )


def is_parquet(path: Path, head: bytes) -> bool:
    size = path.stat().st_size
    if size < 12 or not head.startswith(PARQUET_MAGIC):
        return False
    with path.open("rb") as source:
        source.seek(size - 4)
        return source.read(4) == PARQUET_MAGIC


def is_json(path: Path, head: bytes) -> bool:
    """A small document is parsed whole; a large one must start like an object or array."""
    if path.stat().st_size <= WHOLE_JSON_BYTES:
        text = decode_text(path.read_bytes(), complete=True)
        if text is None:
            return False
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    text = decode_text(head, complete=False)
    return text is not None and text.lstrip()[:1] in ("{", "[")


def is_json_lines(head: bytes, *, complete: bool) -> bool:
    text = decode_text(head, complete=complete)
    if text is None:
        return False
    lines = text.splitlines()
    if not complete and lines:
        lines = lines[:-1]  # the last line of a prefix may be cut short
    candidates = [line for line in lines if line.strip()]
    if not candidates:
        return text.lstrip()[:1] in ("{", "[", "") if not complete else not text.strip()
    try:
        json.loads(candidates[0])
    except ValueError:
        return False
    return True
