"""`read_qualtrics`: a Qualtrics CSV/TSV export (with its `.qsf` when there is one) as a table
whose columns carry their question texts, choice labels and measurement levels, without the
responses a study leaves out (survey previews and tests; unfinished ones when asked).

The header rows and the `.qsf` are read by the rules of `datadive.analysis.qualtrics_format`
and `datadive.analysis.qsf`, which the file page shares, so that a column is named, labelled
and levelled alike in both.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from datadive.analysis.columns import (
    ColumnInfo,
    attach_metadata,
    column_type,
    measurement_from_type,
    value_label_list,
)
from datadive.analysis.labels import hold_labelled_values
from datadive.analysis.qsf import read_qsf
from datadive.analysis.qualtrics_format import (
    CURRENT,
    DATE_FIELDS,
    HEADER_ROWS,
    LEGACY,
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

# What is left out, in the order reasons are counted: a row that matches two is counted once.
SURVEY_PREVIEWS, TEST_RESPONSES, UNFINISHED = (
    "survey previews",
    "test responses",
    "unfinished responses",
)
_SNIFF_BYTES = 256 * 1024


def read_qualtrics(
    path: str | Path,
    qsf: str | Path | None = None,
    *,
    drop_previews: bool = True,
    drop_unfinished: bool = False,
    legacy: bool | None = None,
) -> pd.DataFrame:
    """Read a Qualtrics export.

    - `qsf`: the survey definition (Tools → Import/Export → Export survey). With it, choices
      get their texts as labels and questions their levels (a Likert item ordinal, a number
      entry scale…); without it, only what the export's header rows say.
    - `drop_previews`: leave out survey previews and test responses (`Status` 1, 9, 17 or 2,
      or a distribution channel `preview` / `test`).
    - `drop_unfinished`: leave out responses with `Finished` 0.
    - `legacy`: the old format with two header rows and V1…V10; detected when not given.

    Prints what it left out and why, e.g. `Dropped 6 of 11 rows (3 survey previews, 3 test
    responses); 5 left.`
    """
    encoding, sep = _text_format(Path(path))
    records = _first_records(Path(path), encoding=encoding, sep=sep)
    kind = detect_export(records)
    if legacy is not None and len(records) >= 2:
        kind = LEGACY if legacy else CURRENT
    if kind is None:
        raise ValueError(
            f"{path} is not a Qualtrics export: expected a first row of column names, a second "
            'of question texts and a third of {"ImportId": …} (or the legacy V1, V2… header). '
            "Export the responses again from Qualtrics as CSV."
        )
    headers = header_columns(records, kind)
    frame = _read_rows(Path(path), headers, encoding=encoding, sep=sep, skip=HEADER_ROWS[kind])
    frame, headers = _without_nameless_empty_columns(frame, headers)
    types = [export_column_type(frame[header["name"]]) for header in headers]
    only_ones = frozenset(
        header["name"]
        for header, kind_of in zip(headers, types, strict=True)
        if is_indicator_candidate(header, kind_of) and _only_ones(frame[header["name"]])
    )
    left_out, total = _leave_out(frame, headers, drop_previews, drop_unfinished)
    frame = frame.loc[~left_out.any(axis=1)].reset_index(drop=True)
    survey = read_qsf(qsf) if qsf is not None else None
    described = describe_export_columns(headers, types, survey=survey, only_ones=only_ones)
    columns: dict[str, ColumnInfo] = {}
    joined = []
    for header, column in zip(headers, described, strict=True):
        name = header["name"]
        columns[name] = {
            "label": column["label"],
            "measurement": column["measurement"] or measurement_from_type(frame[name]),
            "value_labels": value_label_list(column["value_labels"]),
        }
        facts = column["qualtrics"]
        if facts.get("multi_select") and column["measurement"] != "binary":
            joined.append(name)  # one cell holds several codes (`1,3`)
        if header["field"] in DATE_FIELDS:
            frame[name] = pd.to_datetime(frame[name], errors="coerce", format="mixed")
        elif column["measurement"] == "scale" and not pd.api.types.is_numeric_dtype(frame[name]):
            frame[name] = _numbers(frame[name], name)
    counts = _report(left_out, total)
    attach_metadata(
        frame,
        columns,
        source=str(path),
        qsf=str(qsf) if qsf is not None else None,
        left_out=counts,
    )
    return hold_labelled_values(frame, keep=joined)


def _text_format(path: Path) -> tuple[str, str]:
    """Encoding (by the byte-order mark: Qualtrics writes CSV as UTF-8, TSV as UTF-16) and
    separator (tab when the first line has more tabs than commas)."""
    with path.open("rb") as stream:
        start = stream.read(_SNIFF_BYTES)
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        try:
            start.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as error:
            # a cut multi-byte character at the end of the sample is still UTF-8
            encoding = "utf-8-sig" if error.start >= len(start) - 3 else "cp1252"
    text = start.decode(encoding, errors="ignore")
    first_line = text.splitlines()[0] if text else ""
    return encoding, "\t" if first_line.count("\t") > first_line.count(",") else ","


def _first_records(path: Path, *, encoding: str, sep: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=sep)
        records = []
        for record in reader:
            records.append(record)
            if len(records) == 3:
                break
    return records


def _read_rows(
    path: Path, headers: list[dict[str, Any]], *, encoding: str, sep: str, skip: int
) -> pd.DataFrame:
    names = [header["name"] for header in headers]
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            header=None,
            skiprows=skip,
            usecols=range(len(names)),
            # only blanks are missing: "NA" or "None" typed by a respondent is an answer
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in names})
    frame.columns = names
    return frame


def _without_nameless_empty_columns(
    frame: pd.DataFrame, headers: list[dict[str, Any]]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """A trailing comma on every line makes a nameless, empty column."""
    kept = [h for h in headers if not (h.get("blank") and frame[h["name"]].isna().all())]
    return frame[[h["name"] for h in kept]], kept


def _codes(frame: pd.DataFrame, name: str | None) -> pd.Series:
    if name is None:
        return pd.Series("", index=frame.index)
    text = frame[name].astype("string").fillna("").str.strip().str.lower()
    return text.str.replace(r"\.0$", "", regex=True)


def _leave_out(
    frame: pd.DataFrame, headers: list[dict[str, Any]], drop_previews: bool, drop_unfinished: bool
) -> tuple[pd.DataFrame, int]:
    """One column of True/False per reason for leaving a row out (same rules as the file
    page's marks, `datadive.files.qualtrics.flag_expressions`)."""
    by_field = {header["field"]: header["name"] for header in headers if header["field"]}
    status = _codes(frame, by_field.get("Status"))
    channel = _codes(frame, by_field.get("DistributionChannel"))
    reasons: dict[str, pd.Series] = {}
    if drop_previews:
        preview_codes = [str(code) for code in PREVIEW_STATUS]
        reasons[SURVEY_PREVIEWS] = (
            status.isin(preview_codes)
            | status.str.contains(PREVIEW_WORD, regex=False)
            | channel.eq(PREVIEW_WORD)
        )
        test_codes = [str(code) for code in TEST_STATUS]
        reasons[TEST_RESPONSES] = (
            status.isin(test_codes)
            | status.str.contains(TEST_WORD, regex=False)
            | channel.eq(TEST_WORD)
        )
    if drop_unfinished:
        reasons[UNFINISHED] = _codes(frame, by_field.get("Finished")).isin(UNFINISHED_VALUES)
    table = pd.DataFrame(reasons, index=frame.index, dtype=bool)
    return table, len(frame)


def _report(left_out: pd.DataFrame, total: int) -> dict[str, int]:
    """Counts per reason (a row under its first reason only), printed in one line."""
    counted = pd.Series(False, index=left_out.index)
    counts: dict[str, int] = {}
    for reason in left_out.columns:
        rows = left_out[reason].astype(bool)
        counts[str(reason)] = int((rows & ~counted).sum())
        counted |= rows
    dropped = int(counted.sum())
    if counts:
        why = ", ".join(f"{count} {reason}" for reason, count in counts.items())
        print(f"Dropped {dropped} of {total} rows ({why}); {total - dropped} left.")
    else:
        print(f"Kept all {total} rows.")
    return counts


def export_column_type(series: pd.Series) -> str:
    """A column's type as the file page judges it (DuckDB's): one with no value at all, a
    question nobody answered, is text, not a number."""
    return "string" if series.isna().all() else column_type(series)


def _only_ones(series: pd.Series) -> bool:
    present = series.dropna()
    return len(present) > 0 and bool((present == 1).all())


def _numbers(series: pd.Series, name: str) -> pd.Series:
    """Answers of a number question: text that is no number becomes missing, and says so."""
    numbers = pd.to_numeric(series, errors="coerce")
    lost = int((series.notna() & numbers.isna()).sum())
    if lost:
        print(f"{name}: {lost} answers that are not numbers are left missing.")
    return numbers
