"""What a Qualtrics CSV/TSV export looks like, and what its columns mean without the `.qsf`.

Pure rules over the header rows and column types (no pandas, no DuckDB), shared by the kernel
reader (`datadive.analysis.readers.qualtrics`) and the file page (`datadive.files.qualtrics`),
so that a column has the same name, label and level in both.

Column types use the vocabulary of file metadata: integer, number, string, boolean, date,
datetime, time, duration, other.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datadive.analysis.columns import NUMERIC_TYPES, unique_names
from datadive.analysis.qsf import describe_column, find_question

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
# Which responses an import leaves out: `Status` codes (or words in its text) and the
# distribution channel say previews and tests; `Finished` 0 / False says unfinished.
PREVIEW_STATUS = (1, 9, 17)
TEST_STATUS = (2,)
PREVIEW_WORD, TEST_WORD = "preview", "test"
UNFINISHED_VALUES = ("0", "false")
DATE_FIELDS = ("StartDate", "EndDate", "RecordedDate")
# Measurement levels of the metadata columns Qualtrics puts first
METADATA_LEVELS = {
    "StartDate": "scale",
    "EndDate": "scale",
    "RecordedDate": "scale",
    "Progress": "scale",
    "Duration (in seconds)": "scale",
    "LocationLatitude": "scale",
    "LocationLongitude": "scale",
    "LocationAccuracy": "scale",
}
METADATA_FIELDS = frozenset({
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "ResponseID", "ResponseSet", "Name",
    "RecipientLastName", "RecipientFirstName", "RecipientEmail", "EmailAddress",
    "ExternalReference", "ExternalDataReference", "LocationLatitude", "LocationLongitude",
    "LocationAccuracy", "DistributionChannel", "UserLanguage",
})  # fmt: skip
_LEGACY_TAG = re.compile(r"V\d+")
# One column per choice of a multi-select question, or per statement of a matrix: QID5_2
_CHOICE_COLUMN = re.compile(r"QID\d+_\d+")


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
    """Per column: name, question text, ImportId (current format) and metadata field name.

    The legacy format names its metadata columns V1…V10 and says in the second row what they
    are (`ResponseID`, `Status`…): those columns are named by the second row."""
    tags, texts = records[0], records[1]
    import_rows = records[2] if kind == CURRENT else []
    raw_names = list(tags)
    for index, tag in enumerate(tags):
        text = texts[index].strip() if index < len(texts) else ""
        if kind == LEGACY and _LEGACY_TAG.fullmatch(tag.strip()) and text in METADATA_FIELDS:
            raw_names[index] = text
    columns = []
    for index, name in enumerate(unique_names(raw_names)):
        text = texts[index].strip() if index < len(texts) else ""
        import_info = _import_info(import_rows[index] if index < len(import_rows) else "")
        field = name if name in METADATA_FIELDS else None
        columns.append(
            {
                "name": name,
                "text": text,
                "import_id": import_info.get("ImportId"),
                "time_zone": import_info.get("timeZone"),
                "field": field,
                "blank": not tags[index].strip() if index < len(tags) else True,
            }
        )
    return columns


def _import_info(cell: str) -> dict[str, Any]:
    try:
        info = json.loads(cell)
    except json.JSONDecodeError:
        return {}
    return info if isinstance(info, dict) else {}


def is_indicator_candidate(header: dict[str, Any], column_type: str) -> bool:
    """Could this column be a multi-select indicator (1 or blank)? Whole numbers under a
    `QIDn_k` ImportId; whether it is one depends on its values (`describe_without_qsf`)."""
    return column_type == "integer" and bool(_CHOICE_COLUMN.fullmatch(header["import_id"] or ""))


def describe_without_qsf(
    header: dict[str, Any], column_type: str, *, only_ones: bool = False
) -> dict[str, Any]:
    """Label, value labels and measurement level of a column, from the export alone.

    `only_ones`: the column's values are all 1 (blanks aside), which with a `QIDn_k` ImportId
    is how Qualtrics writes one choice of a multi-select question."""
    field, import_id = header["field"], header["import_id"] or ""
    info: dict[str, Any] = {
        "import_id": header["import_id"],
        "field": field,
        # a column without a name in the header (a trailing separator) is no question
        "role": "metadata" if field else "unnamed" if header.get("blank") else "question",
    }
    if header.get("time_zone"):
        info["time_zone"] = header["time_zone"]
    value_labels: dict[Any, str] | None = None
    measurement = source = None
    if field == "Status" and column_type == "integer":
        value_labels = STATUS_LABELS
    elif field == "Finished" and column_type in {"integer", "boolean"}:
        value_labels = FINISHED_LABELS
    elif field in METADATA_LEVELS:
        measurement, source = METADATA_LEVELS[field], "qualtrics"
    elif field:
        measurement, source = "nominal", "qualtrics"
    elif "_TEXT" in import_id:
        info["text_entry"] = True
        if column_type in NUMERIC_TYPES:
            # every answer typed is a number (an age, a count): a number, not a category
            info["free_text"] = False
            measurement, source = "scale", "type"
        else:
            info["free_text"] = True
            measurement, source = "nominal", "import_id"
    elif only_ones and is_indicator_candidate(header, column_type):
        info["multi_select"] = True
        choice = header["text"].rsplit(" - ", 1)[-1] if " - " in header["text"] else ""
        value_labels = {1: choice or header["name"]}
        measurement, source = "binary", "import_id"
    elif import_id.startswith("QID") and "_" not in import_id and column_type == "integer":
        # a bare question id with whole numbers: a single-answer multiple choice
        measurement, source = "nominal", "import_id"
    if value_labels is not None and measurement is None:
        measurement, source = "nominal", "qualtrics"
    return {
        "label": header["text"] or None,
        "value_labels": value_labels,
        "measurement": measurement,
        "measurement_source": source,
        "qualtrics": info,
    }


def describe_export_columns(
    headers: list[dict[str, Any]],
    types: list[str],
    *,
    survey: dict[str, Any] | None,
    only_ones: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Each column's label, value labels, measurement level (and where it came from) and
    Qualtrics facts: from the survey definition (`qsf.parse_qsf`) when given and the column
    is one of its questions, from the export alone otherwise. `only_ones` names the indicator
    candidates whose values are all 1."""
    described = []
    for header, column_type in zip(headers, types, strict=True):
        found = None
        if survey is not None and not header["field"]:
            found = find_question(survey, import_id=header["import_id"], name=header["name"])
        if found is None:
            only = header["name"] in only_ones
            described.append(describe_without_qsf(header, column_type, only_ones=only))
            continue
        column = describe_column(*found)
        column["measurement_source"] = "qsf"
        column["label"] = header["text"] or column["label"]
        column["qualtrics"] = {
            "import_id": header["import_id"],
            "field": None,
            "role": "question",
            **({"time_zone": header["time_zone"]} if header.get("time_zone") else {}),
            **column["qualtrics"],
        }
        described.append(column)
    return described
