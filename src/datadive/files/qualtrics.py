"""Qualtrics CSV/TSV exports: three header rows (tags, question texts, ImportIds) or the legacy
two (V1…V10 tags, then names and question texts). The header rows become column labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datadive.files.columns import make_column, unique_names
from datadive.files.dialect import Dialect, sniff_dialect
from datadive.files.errors import UnreadableFile
from datadive.files.qsf import describe_column, find_question, read_qsf

CURRENT = "three_header_rows"
LEGACY = "legacy_two_header_rows"
HEADER_ROWS = {CURRENT: 3, LEGACY: 2}

STATUS_LABELS = {
    0: "IP Address",
    1: "Survey Preview",
    2: "Survey Test",
    4: "Imported",
    8: "Spam",
    9: "Preview Spam",
    16: "Offline",
    17: "Offline Preview",
}
FINISHED_LABELS = {0: "Not finished", 1: "Finished"}
PREVIEW_STATUS = (1, 9, 17)
TEST_STATUS = (2,)
# Measurement levels of the metadata columns Qualtrics puts first
_METADATA_LEVELS = {
    "StartDate": "scale",
    "EndDate": "scale",
    "RecordedDate": "scale",
    "Progress": "scale",
    "Duration (in seconds)": "scale",
    "LocationLatitude": "scale",
    "LocationLongitude": "scale",
    "LocationAccuracy": "scale",
}
METADATA_FIELDS = {
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "ResponseID", "ResponseSet", "Name",
    "RecipientLastName", "RecipientFirstName", "RecipientEmail", "EmailAddress",
    "ExternalReference", "ExternalDataReference", "LocationLatitude", "LocationLongitude",
    "LocationAccuracy", "DistributionChannel", "UserLanguage",
}  # fmt: skip


def detect_export(records: list[list[str]]) -> str | None:
    """CURRENT, LEGACY, or None when the first records are not a Qualtrics header."""
    if len(records) >= 3 and records[0]:
        third = [cell.strip() for cell in records[2] if cell.strip()]
        import_ids = sum(1 for cell in third if cell.startswith('{"ImportId"'))
        if third and import_ids >= max(1, len(third) // 2):
            return CURRENT
    if len(records) >= 2 and records[0][:3] == ["V1", "V2", "V3"] and "ResponseID" in records[1]:
        return LEGACY
    return None


def header_columns(records: list[list[str]], kind: str) -> list[dict[str, Any]]:
    """Per column: name, question text, ImportId (current format) and metadata field name."""
    tags, texts = records[0], records[1]
    import_rows = records[2] if kind == CURRENT else []
    names = unique_names(tags)
    columns = []
    for index, name in enumerate(names):
        text = texts[index].strip() if index < len(texts) else ""
        import_info = _import_info(import_rows[index] if index < len(import_rows) else "")
        field = name if name in METADATA_FIELDS else None
        if kind == LEGACY and text in METADATA_FIELDS:
            field = text  # V1…V10 are named in the second row
        columns.append(
            {
                "name": name,
                "text": text,
                "import_id": import_info.get("ImportId"),
                "time_zone": import_info.get("timeZone"),
                "field": field,
            }
        )
    return columns


def _import_info(cell: str) -> dict[str, Any]:
    try:
        info = json.loads(cell)
    except json.JSONDecodeError:
        return {}
    return info if isinstance(info, dict) else {}


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


def describe_columns(
    headers: list[dict[str, Any]], types: list[str], *, qsf_path: Path | None
) -> list[dict[str, Any]]:
    survey = read_qsf(qsf_path) if qsf_path is not None else None
    columns = []
    for header, column_type in zip(headers, types, strict=True):
        info: dict[str, Any] = {
            "import_id": header["import_id"],
            "field": header["field"],
            "role": "metadata" if header["field"] else "question",
        }
        if header["time_zone"]:
            info["time_zone"] = header["time_zone"]
        found = None
        if survey is not None and not header["field"]:
            found = find_question(survey, import_id=header["import_id"], name=header["name"])
        if found is not None:
            described = describe_column(*found)
            info.update(described.pop("qualtrics"))
            columns.append(
                make_column(
                    header["name"],
                    column_type,
                    label=header["text"] or described["label"],
                    value_labels=described["value_labels"],
                    measurement=described["measurement"],
                    measurement_source="qsf",
                    qualtrics=info,
                )
            )
            continue
        columns.append(_column_without_qsf(header, column_type, info))
    return columns


def _column_without_qsf(
    header: dict[str, Any], column_type: str, info: dict[str, Any]
) -> dict[str, Any]:
    field, import_id = header["field"], header["import_id"] or ""
    value_labels: dict[Any, str] | None = None
    measurement = source = None
    if field == "Status" and column_type == "integer":
        value_labels = STATUS_LABELS
    elif field == "Finished" and column_type in {"integer", "boolean"}:
        value_labels = FINISHED_LABELS
    elif field in _METADATA_LEVELS:
        measurement, source = _METADATA_LEVELS[field], "qualtrics"
    elif field:
        measurement, source = "nominal", "qualtrics"
    elif "_TEXT" in import_id:
        info["free_text"] = True
        measurement, source = "nominal", "import_id"
    elif import_id.startswith("QID") and "_" not in import_id and column_type == "integer":
        # a bare question id with whole numbers: a single-answer multiple choice
        measurement, source = "nominal", "import_id"
    return make_column(
        header["name"],
        column_type,
        label=header["text"],
        value_labels=value_labels,
        measurement=measurement,
        measurement_source=source,
        qualtrics=info,
    )


def flag_expressions(columns: list[dict[str, Any]], quote: Any) -> dict[str, str]:
    """SQL conditions (over the data) for preview, test and partial responses."""
    by_field = {c.get("qualtrics", {}).get("field"): c["name"] for c in columns}
    flags: dict[str, list[str]] = {"preview": [], "test": [], "partial": []}
    status = by_field.get("Status")
    if status:
        text = f"lower(trim(CAST({quote(status)} AS VARCHAR)))"
        codes = ", ".join(f"'{code}'" for code in PREVIEW_STATUS)
        flags["preview"].append(f"{text} IN ({codes}) OR {text} LIKE '%preview%'")
        codes = ", ".join(f"'{code}'" for code in TEST_STATUS)
        flags["test"].append(f"{text} IN ({codes}) OR {text} LIKE '%test%'")
    channel = by_field.get("DistributionChannel")
    if channel:
        flags["preview"].append(f"lower(CAST({quote(channel)} AS VARCHAR)) = 'preview'")
        flags["test"].append(f"lower(CAST({quote(channel)} AS VARCHAR)) = 'test'")
    finished = by_field.get("Finished")
    if finished:
        flags["partial"].append(
            f"lower(trim(CAST({quote(finished)} AS VARCHAR))) IN ('0', 'false')"
        )
    return {
        flag: "coalesce(" + " OR ".join(f"({c})" for c in conditions) + ", false)"
        for flag, conditions in flags.items()
        if conditions
    }
