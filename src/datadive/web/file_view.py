"""How files look on pages: the project's files grouped by folder, a format's name, a value
of a preview cell or a profile as short text. The numbers and labels come from the services
(`services.data_files.files`, `services.data_files.file_previews`); nothing here reads a file."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from datadive.db.models import File
from datadive.services.data_files.files import describe_bytes

FORMAT_NAMES = {
    "csv": "CSV",
    "tsv": "TSV",
    "text": "Text table",
    "excel": "Excel workbook",
    "spss": "SPSS data",
    "stata": "Stata data",
    "parquet": "Parquet",
    "json": "JSON",
    "jsonl": "JSON lines",
    "qsf": "Qualtrics survey definition",
    "qualtrics": "Qualtrics export",
    "other": "Other",
}
DELIMITER_NAMES = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}
DECIMAL_NAMES = {".": "point (1.5)", ",": "comma (1,5)"}
MAX_VALUE_LABELS = 12


@dataclass(frozen=True)
class FileRow:
    file: File
    name: str
    size: str
    format: str
    problem: str


@dataclass(frozen=True)
class Folder:
    """A folder's files; `path` is "" for the project's top level."""

    path: str
    rows: list[FileRow]


def format_name(metadata: Mapping[str, Any]) -> str:
    name = str(metadata.get("format") or "other")
    return FORMAT_NAMES.get(name, name)


def file_row(file: File) -> FileRow:
    metadata = file.file_metadata or {}
    return FileRow(
        file=file,
        name=PurePosixPath(file.path).name,
        size=describe_bytes(file.size),
        format=format_name(metadata),
        problem=str(metadata.get("problem") or ""),
    )


def group_by_folder(files: Iterable[File]) -> list[Folder]:
    """Top-level files first, then each folder (its full path) in alphabetical order."""
    folders: dict[str, list[FileRow]] = {}
    for file in files:
        parent = str(PurePosixPath(file.path).parent)
        folders.setdefault("" if parent == "." else parent, []).append(file_row(file))
    return [
        Folder(path=path, rows=sorted(rows, key=lambda row: row.name.lower()))
        for path, rows in sorted(folders.items(), key=lambda item: (item[0] != "", item[0]))
    ]


def show_value(value: Any) -> str:
    """A preview cell or profile number as text: floats to six significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return f"{value:.6g}"
    if isinstance(value, list | dict):
        return str(value)
    return str(value)


def value_labels(column: Mapping[str, Any]) -> list[str]:
    labels = column.get("value_labels") or []
    return [f"{show_value(item.get('value'))} = {item.get('label')}" for item in labels]


def labelled_value(value: Any, column: Mapping[str, Any] | None) -> str:
    """A value with its label when it has one: `1 Psychology`."""
    for item in (column or {}).get("value_labels") or []:
        if item.get("value") == value and value is not None:
            return f"{show_value(value)} {item.get('label')}"
    return show_value(value)


def profile_summary(
    profile: Mapping[str, Any] | None, column: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """The profile of one column as (what, value) pairs, in the order a reader wants them:
    counts first; categories by their labels."""
    if not profile:
        return []
    pairs = [
        ("Missing", show_value(profile.get("missing"))),
        ("Distinct", show_value(profile.get("distinct"))),
    ]
    for key, label in (("min", "Min"), ("max", "Max"), ("mean", "Mean"), ("std", "SD")):
        if profile.get(key) is not None:
            pairs.append((label, show_value(profile[key])))
    modes = profile.get("mode") or []
    if modes:
        pairs.append(("Mode", ", ".join(labelled_value(value, column) for value in modes[:5])))
    top = profile.get("top") or []
    if top:
        shown = ", ".join(
            f"{labelled_value(item['value'], column)} ({item['count']})" for item in top[:5]
        )
        pairs.append(("Most frequent", shown))
    return pairs


@dataclass(frozen=True)
class RowMark:
    """Why a preview row is left out by the import cell, or kept with a caveat."""

    left_out: bool
    reason: str


# Row flags of a Qualtrics preview (`datadive.files.previews`), in the words of the import cell.
FLAG_REASONS = {
    "preview": "survey preview",
    "test": "test response",
}
UNFINISHED = "Unfinished: kept unless the cell leaves out unfinished responses"


def row_marks(preview: Mapping[str, Any]) -> list[RowMark] | None:
    """One mark per preview row of a Qualtrics export (None for other files): the rows the
    import cell leaves out by default (survey previews, tests) and the unfinished ones it
    leaves out when asked."""
    flags = (preview.get("qualtrics") or {}).get("row_flags")
    if flags is None:
        return None
    marks = []
    for row in flags:
        reasons = [FLAG_REASONS[flag] for flag in row if flag in FLAG_REASONS]
        if reasons:
            text = "Left out: " + " and ".join(reasons)
            if "partial" in row:
                text += " (also unfinished)"
            marks.append(RowMark(left_out=True, reason=text))
        elif "partial" in row:
            marks.append(RowMark(left_out=False, reason=UNFINISHED))
        else:
            marks.append(RowMark(left_out=False, reason=""))
    return marks


def left_out_summary(preview: Mapping[str, Any]) -> str:
    """What the import leaves out of the whole file, in one sentence."""
    responses = (preview.get("qualtrics") or {}).get("responses") or {}
    if not responses:
        return ""
    previews, tests = responses.get("preview", 0), responses.get("test", 0)
    partial = responses.get("partial", 0)
    parts = [
        f"{previews} survey preview{'s' if previews != 1 else ''}",
        f"{tests} test response{'s' if tests != 1 else ''}",
    ]
    sentence = f"The import cell leaves out {parts[0]} and {parts[1]}"
    if not (preview.get("profile") or {}).get("exact", True):
        total = responses.get("total", 0)
        sentence = f"Of the first {total:,} responses, the import cell leaves out {parts[0]} and "
        sentence += parts[1]
    if partial:
        sentence += (
            f"; {partial} unfinished response{'s are' if partial != 1 else ' is'} kept unless "
            "you choose to leave out unfinished responses"
        )
    return sentence + "."


def profiles_by_name(preview: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    columns: Sequence[Mapping[str, Any]] = (preview.get("profile") or {}).get("columns") or []
    return {str(column.get("name")): column for column in columns}
