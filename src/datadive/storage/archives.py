"""Safety checks for Office Open XML files (`.xlsx`, `.xlsm`), which are zip archives of XML.

Nothing is inflated to decide whether the archive is too big: member count and sizes come from
the zip's directory, and the end-of-directory record is read before `zipfile` builds its list
of members. XML members are then scanned for DTDs (entity expansion, external entities) in
bounded chunks; `zipfile` never inflates past a member's declared size.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from datadive.errors import UnsupportedContent

MAX_MEMBERS = 10_000
MAX_DIRECTORY_BYTES = 8 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_RATIO = 200
RATIO_APPLIES_ABOVE = 8 * 1024 * 1024
SCAN_CHUNK = 64 * 1024

END_OF_DIRECTORY = b"PK\x05\x06"
END_RECORD_SIZE = 22
MAX_COMMENT = 0xFFFF
XML_SUFFIXES = (".xml", ".rels", ".vml")
FORBIDDEN_MARKUP = tuple(
    marker.encode(encoding)
    for marker in ("<!doctype", "<!entity")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
LONGEST_MARKER = max(len(marker) for marker in FORBIDDEN_MARKUP)


def refuse(reason: str) -> UnsupportedContent:
    return UnsupportedContent(f"This Excel file cannot be accepted: {reason}.")


def read_directory_summary(path: Path) -> tuple[int, int]:
    """(member count, directory size) from the end-of-central-directory record."""
    size = path.stat().st_size
    tail_size = min(size, END_RECORD_SIZE + MAX_COMMENT)
    with path.open("rb") as source:
        source.seek(size - tail_size)
        tail = source.read(tail_size)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_RECORD_SIZE:
        raise refuse("it is not a valid zip archive")
    _disk, _start, _here, total, directory_size, _offset, _comment = struct.unpack(
        "<HHHHIIH", tail[at + 4 : at + END_RECORD_SIZE]
    )
    return total, directory_size


def check_office_archive(path: Path) -> None:
    """Raise UnsupportedContent unless `path` is a spreadsheet zip that is safe to open."""
    members, directory_size = read_directory_summary(path)
    # 0xFFFF members means "see the zip64 record": far more than any workbook needs.
    if members >= min(MAX_MEMBERS, 0xFFFF) or directory_size > MAX_DIRECTORY_BYTES:
        raise refuse(f"it holds more than {MAX_MEMBERS} parts (a zip bomb?)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_sizes(infos)
            if "[Content_Types].xml" not in {info.filename for info in infos}:
                raise refuse("it is a zip archive but not an Excel workbook")
            for info in infos:
                if info.filename.lower().endswith(XML_SUFFIXES):
                    scan_xml_member(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise refuse(f"the zip archive is damaged or unsupported ({exc})") from None


def check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise refuse(f"it holds more than {MAX_MEMBERS} parts (a zip bomb?)")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise refuse(
            f"it would unpack to {total:,} bytes, "
            f"more than {MAX_TOTAL_UNCOMPRESSED:,} (a zip bomb?)"
        )
    for info in infos:
        compressed = max(info.compress_size, 1)
        if info.file_size > RATIO_APPLIES_ABOVE and info.file_size / compressed > MAX_RATIO:
            raise refuse(f"{info.filename!r} is compressed more than {MAX_RATIO}:1 (a zip bomb?)")


def scan_xml_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Look for `<!DOCTYPE` / `<!ENTITY` in one member, chunk by chunk, case-insensitively."""
    carry = b""
    with archive.open(info) as member:
        while chunk := member.read(SCAN_CHUNK):
            window = (carry + chunk).lower()
            if any(marker in window for marker in FORBIDDEN_MARKUP):
                raise refuse(
                    f"{info.filename!r} declares a DTD or entities, which spreadsheets never need"
                )
            carry = window[-(LONGEST_MARKER - 1) :]
