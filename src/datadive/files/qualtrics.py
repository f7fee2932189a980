"""Qualtrics CSV/TSV exports on the file page: three header rows (tags, question texts,
ImportIds) or the legacy two (V1…V10 tags, then names and question texts). The header rows
become column labels.

What a column means (its label, value labels and measurement level, with or without the
`.qsf`) is decided by the rules in `datadive.analysis.qualtrics_format` and
`datadive.analysis.qsf`, which the kernel reader shares."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from datadive.analysis.qsf import QUESTION_ID
from datadive.analysis.qualtrics_format import (
    HEADER_ROWS,
    PREVIEW_STATUS,
    PREVIEW_WORD,
    TEST_STATUS,
    TEST_WORD,
    UNFINISHED_VALUES,
    describe_export_columns,
    detect_export,
    header_columns,
    is_indicator_candidate,
)
from datadive.files.columns import make_column
from datadive.files.dialect import Dialect, sniff_dialect
from datadive.files.errors import UnreadableFile
from datadive.files.qsf import read_qsf

__all__ = [
    "HEADER_ROWS",
    "best_survey",
    "describe_columns",
    "detect_export",
    "flag_expressions",
    "header_columns",
    "indicator_candidates",
    "matches_survey",
    "sniff_export",
]


def sniff_export(path: Path) -> tuple[Dialect, str, list[dict[str, Any]]]:
    dialect, records = sniff_dialect(path)
    kind = detect_export(records)
    if kind is None:
        raise UnreadableFile(
            "This is not a Qualtrics export: expected a first row of column names, a second of "
            'question texts and a third of {"ImportId": …} (or the legacy V1, V2… header). '
            "Export the responses again as CSV or TSV with these header rows."
        )
    return dialect, kind, header_columns(records, kind)


def indicator_candidates(headers: list[dict[str, Any]], types: list[str]) -> list[str]:
    """Columns that are multi-select indicators if their values are all 1 (blanks aside)."""
    return [
        header["name"]
        for header, column_type in zip(headers, types, strict=True)
        if not header["field"] and is_indicator_candidate(header, column_type)
    ]


def describe_columns(
    headers: list[dict[str, Any]],
    types: list[str],
    *,
    qsf_path: Path | None,
    only_ones: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Each column described with the `.qsf` when given, from the export alone otherwise.
    `only_ones` names the indicator candidates whose values are all 1."""
    survey = read_qsf(qsf_path) if qsf_path is not None else None
    described = describe_export_columns(headers, types, survey=survey, only_ones=only_ones)
    return [
        make_column(
            header["name"],
            column_type,
            label=column["label"],
            value_labels=column["value_labels"],
            measurement=column["measurement"],
            measurement_source=column["measurement_source"],
            qualtrics=column["qualtrics"],
        )
        for header, column_type, column in zip(headers, types, described, strict=True)
    ]


def flag_expressions(columns: list[dict[str, Any]], quote: Any) -> dict[str, str]:
    """SQL conditions (over the data) for preview, test and partial responses: the same
    rules as the kernel reader's (`datadive.analysis.readers.qualtrics`)."""
    by_field = {c.get("qualtrics", {}).get("field"): c["name"] for c in columns}
    flags: dict[str, list[str]] = {"preview": [], "test": [], "partial": []}
    status = by_field.get("Status")
    if status:
        text = f"lower(trim(CAST({quote(status)} AS VARCHAR)))"
        codes = ", ".join(f"'{code}'" for code in PREVIEW_STATUS)
        flags["preview"].append(f"{text} IN ({codes}) OR {text} LIKE '%{PREVIEW_WORD}%'")
        codes = ", ".join(f"'{code}'" for code in TEST_STATUS)
        flags["test"].append(f"{text} IN ({codes}) OR {text} LIKE '%{TEST_WORD}%'")
    channel = by_field.get("DistributionChannel")
    if channel:
        flags["preview"].append(f"lower(CAST({quote(channel)} AS VARCHAR)) = '{PREVIEW_WORD}'")
        flags["test"].append(f"lower(CAST({quote(channel)} AS VARCHAR)) = '{TEST_WORD}'")
    finished = by_field.get("Finished")
    if finished:
        values = ", ".join(f"'{value}'" for value in UNFINISHED_VALUES)
        flags["partial"].append(f"lower(trim(CAST({quote(finished)} AS VARCHAR))) IN ({values})")
    return {
        flag: "coalesce(" + " OR ".join(f"({c})" for c in conditions) + ", false)"
        for flag, conditions in flags.items()
        if conditions
    }


def matches_survey(export: dict[str, Any], definition: dict[str, Any]) -> bool:
    """Is `definition` (metadata of a `.qsf`) the survey of `export` (metadata of a Qualtrics
    export)? A CSV export does not name its survey, so its questions must: every question
    column's ImportId names a question of the definition whose export tag starts the column's
    name (legacy exports, without ImportIds: the tags alone)."""
    if export.get("format") != "qualtrics" or definition.get("format") != "qsf":
        return False
    tags = {
        str(q.get("question_id")): str(q.get("export_tag") or "")
        for q in definition.get("questions") or []
    }
    all_tags = [tag for tag in tags.values() if tag]
    questions = [
        column
        for column in export.get("columns") or []
        if (column.get("qualtrics") or {}).get("role") == "question"
    ]
    if not questions or not tags:
        return False
    for column in questions:
        name = str(column["name"])
        match = QUESTION_ID.fullmatch(str(column["qualtrics"].get("import_id") or ""))
        if match is not None:
            tag = tags.get(match.group(1))
            if tag is None or (tag and not name.startswith(tag)):
                return False
        elif not any(name == tag or name.startswith(tag + "_") for tag in all_tags):
            return False
    return True


def best_survey(
    export_path: str, export: dict[str, Any], definitions: list[tuple[str, dict[str, Any]]]
) -> str | None:
    """The path of the definition that matches the export, preferring one with the same name
    (`survey.csv`, `survey.qsf`), then one in the same folder; None when none matches."""
    export_file = PurePosixPath(export_path)
    found = [path for path, metadata in definitions if matches_survey(export, metadata)]
    if not found:
        return None

    def closeness(path: str) -> tuple[bool, bool, str]:
        candidate = PurePosixPath(path)
        return (
            candidate.stem != export_file.stem,
            candidate.parent != export_file.parent,
            path,
        )

    return min(found, key=closeness)
