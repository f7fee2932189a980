"""Sniff how a delimited text file is written: encoding, delimiter, decimal mark, header row.

Only the first `SNIFF_BYTES` are read. The result is plain data (`Dialect.as_dict`) that is
stored with the file's metadata and handed back to `preview` later.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from datadive.files.errors import UnreadableFile

SNIFF_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
SNIFF_RECORDS = 60

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")
# Bytes cp1252 maps to printable characters but latin-1 maps to C1 control codes
_CP1252_ONLY = re.compile(rb"[\x80\x82-\x8c\x8e\x91-\x9c\x9e\x9f]")


@dataclass(frozen=True)
class Dialect:
    encoding: str  # a Python codec name: utf-8, utf-8-sig, utf-16-le, utf-16-be, cp1252, latin-1
    delimiter: str
    decimal: str
    header: bool
    bytes_per_record: float  # from the sniffed sample; estimates row counts of big files
    quote: str = '"'

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Dialect:
        return cls(**data)  # type: ignore[arg-type]


def sniff_dialect(path: Path, *, default_delimiter: str = ",") -> tuple[Dialect, list[list[str]]]:
    """The dialect and the first records (at most `SNIFF_RECORDS`) as parsed with it."""
    try:
        with path.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
            complete = not stream.read(1)
    except OSError as error:
        raise UnreadableFile(f"The file cannot be opened: {error.strerror}.") from error
    if not head.strip():
        raise UnreadableFile("The file is empty; upload a file that holds a table.")
    encoding = sniff_encoding(head)
    text = _decode_head(head, encoding, complete=complete)
    if not complete:
        text = text[: text.rfind("\n") + 1] or text
    delimiter = _sniff_delimiter(text, default=default_delimiter)
    records = _parse(text, delimiter, complete=complete)
    if not records:
        raise UnreadableFile("No complete line found in the first 256 KB; is this a table?")
    header = _has_header(records)
    decimal = _sniff_decimal(records[1 if header else 0 :], delimiter)
    sample_bytes = len(text.encode(encoding))
    return Dialect(
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        header=header,
        bytes_per_record=sample_bytes / max(len(_parse(text, delimiter, complete=True)), 1),
    ), records


def sniff_encoding(head: bytes) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    even_zeros, odd_zeros = head[0::2].count(0), head[1::2].count(0)
    if len(head) >= 4 and odd_zeros > len(head) // 4 and even_zeros == 0:
        return "utf-16-le"
    if len(head) >= 4 and even_zeros > len(head) // 4 and odd_zeros == 0:
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252" if _CP1252_ONLY.search(head) else "latin-1"
    return "utf-8"


def _decode_head(head: bytes, encoding: str, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=complete)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"The file is not valid {encoding} text near byte {error.start}; "
            "save it as UTF-8 and upload it again."
        ) from error


def _parse(text: str, delimiter: str, *, complete: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as error:
        raise UnreadableFile(f"The table cannot be parsed: {error}.") from error
    if not complete and len(records) > 1:
        records.pop()  # may be cut off in the middle
    return [r for r in records if r]


def _sniff_delimiter(text: str, *, default: str) -> str:
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        try:
            records = _parse(text, delimiter, complete=True)[:SNIFF_RECORDS]
        except UnreadableFile:
            continue
        counts = Counter(len(record) for record in records)
        if not counts:
            continue
        fields, seen = counts.most_common(1)[0]
        if fields < 2:
            continue
        score = (seen / len(records), fields, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else default


def _looks_numeric(value: str) -> bool:
    return bool(_NUMBER.match(value.strip()))


def _has_header(records: list[list[str]]) -> bool:
    """A header when some column is numeric below the first row but not in it."""
    if len(records) < 2:
        return True
    first, rest = records[0], records[1:]
    numeric_columns = [
        index
        for index in range(len(first))
        if any(len(r) > index and r[index].strip() for r in rest)
        and all(_looks_numeric(r[index]) for r in rest if len(r) > index and r[index].strip())
    ]
    if not numeric_columns:
        return True
    return any(not _looks_numeric(first[index]) for index in numeric_columns)


def _sniff_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    values = [value.strip() for row in rows for value in row]
    commas = sum(1 for value in values if _COMMA_DECIMAL.match(value))
    dots = sum(1 for value in values if _DOT_DECIMAL.match(value))
    return "," if commas and not dots else "."
