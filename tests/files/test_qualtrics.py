"""Qualtrics exports: header rows become labels, survey structure comes from the .qsf, and
previews, tests and partial responses are flagged (tests/fixtures/qualtrics/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from datadive.files import UnreadableFile, preview, read_metadata, read_qualtrics
from datadive.files.delimited import with_survey_definition
from tests.files.survey_files import FIXTURES, write_export, write_qsf
from tests.support.programme_survey import programme_export, programme_qsf


def columns_by_name(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {column["name"]: column for column in metadata["columns"]}


def test_current_export_header_rows_become_labels() -> None:
    path = FIXTURES / "qualtrics_export_de.csv"
    metadata = read_metadata(path, "csv", original_name="survey.csv")
    assert metadata["format"] == "qualtrics"
    assert metadata["header_rows"] == 3
    columns = columns_by_name(metadata)
    assert list(columns)[:3] == ["StartDate", "EndDate", "Status"]
    assert columns["Q1"]["label"] == "This is a multiple choice question."
    assert columns["Q1"]["qualtrics"]["import_id"] == "QID1"
    assert columns["ResponseId"]["qualtrics"]["import_id"] == "_recordId"
    assert columns["Q2"]["qualtrics"]["free_text"] is True
    assert columns["Status"]["value_labels"][1] == {"value": 1, "label": "Survey Preview"}

    shown = preview(path, "csv", metadata=metadata)
    assert len(shown["rows"]) == 1  # the three header rows are not data
    row = dict(zip([c["name"] for c in shown["columns"]], shown["rows"][0], strict=True))
    assert row["ResponseId"] == "R_2YPOQ602ER1jkf1"
    assert row["Q2"] == "Hello World!"
    assert row["StartDate"] == "2017-07-18T08:28:09"
    assert shown["qualtrics"]["row_flags"] == [[]]
    json.dumps(shown, allow_nan=False)


def test_legacy_export_has_two_header_rows() -> None:
    path = FIXTURES / "qualtrics_export_legacy_de.csv"
    metadata = read_metadata(path, "csv", original_name="legacy.csv")
    assert metadata["format"] == "qualtrics"
    assert metadata["qualtrics"]["export"] == "legacy_two_header_rows"
    columns = columns_by_name(metadata)
    # V1…V10 are named by the second row, as the notebook reader names them
    assert "V7" not in columns
    assert columns["Status"]["label"] == "Status"
    assert columns["Status"]["qualtrics"]["field"] == "Status"
    assert columns["Q2"]["label"] == "This is a free text question."
    shown = preview(path, "csv", metadata=metadata)
    assert len(shown["rows"]) == 1
    assert shown["rows"][0][0] == "R_2YPOQ602ER1jkf1"
    assert shown["qualtrics"]["responses"] == {"total": 1, "preview": 0, "test": 0, "partial": 0}


def test_previews_tests_and_partial_responses_are_flagged(tmp_path: Path) -> None:
    path = write_export(tmp_path / "habits.csv")
    shown = preview(path, "csv")
    assert shown["format"] == "qualtrics"
    assert shown["qualtrics"]["row_flags"] == [[], ["preview"], ["test"], [], ["partial"]]
    assert shown["qualtrics"]["responses"] == {"total": 5, "preview": 1, "test": 1, "partial": 1}
    assert shown["row_count"] == 5


def test_a_row_left_out_for_two_reasons_is_counted_once(tmp_path: Path) -> None:
    """A survey preview sent through the test channel: one preview, not also a test, as the
    notebook's reader counts it."""
    path = write_export(tmp_path / "habits.csv")
    path.write_bytes(path.read_bytes().replace(b",R_1,preview,", b",R_1,test,"))

    shown = preview(path, "csv")

    assert shown["qualtrics"]["row_flags"][1] == ["preview", "test"]
    assert shown["qualtrics"]["responses"] == {"total": 5, "preview": 1, "test": 1, "partial": 1}


def test_multi_line_question_texts_stay_in_the_header(tmp_path: Path) -> None:
    metadata = read_metadata(write_export(tmp_path / "h.csv"), "csv", original_name="h.csv")
    columns = columns_by_name(metadata)
    assert columns["Q4_1"]["label"] == "How much do you agree?\nPlease be honest. - I sleep well"
    assert columns["StartDate"]["qualtrics"]["time_zone"] == "Europe/Berlin"
    assert columns["StartDate"]["type"] == "datetime"
    assert columns["Q6_1"]["type"] == "integer"


def test_qsf_gives_question_types_choice_labels_and_levels(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.csv")
    metadata = read_qualtrics(export, write_qsf(tmp_path / "habits.qsf"))
    assert metadata["qualtrics"]["qsf"] is True
    columns = columns_by_name(metadata)

    single = columns["Q2"]
    assert single["qualtrics"]["question_type"] == "MC"
    assert single["measurement"] == "nominal"
    assert single["value_labels"] == [
        {"value": 1, "label": "Friends"},
        {"value": 2, "label": "Web"},
        {"value": 3, "label": "Radio"},
    ]
    likert = columns["Q4_2"]
    assert likert["measurement"] == "ordinal"
    assert likert["measurement_source"] == "qsf"
    assert [v["value"] for v in likert["value_labels"]] == [1, 3, 5]  # recode values
    assert likert["value_labels"][0]["label"] == "Disagree"
    indicator = columns["Q5_2"]
    assert indicator["qualtrics"]["multi_select"] is True
    assert indicator["value_labels"] == [{"value": 1, "label": "Bike"}]
    assert columns["Q6_1"]["measurement"] == "scale"
    assert columns["Q7"]["qualtrics"]["free_text"] is True
    assert columns["Q7"]["qualtrics"]["question_type"] == "TE"

    shown = preview(export, "csv", metadata=metadata)
    profiles = {p["name"]: p for p in shown["profile"]["columns"]}
    assert profiles["Q2"]["top"][0] == {"value": 1, "count": 2}
    assert profiles["Q6_1"]["missing"] == 1


@pytest.mark.parametrize("survey", ["habits", "programmes"])
def test_stored_metadata_with_the_qsf_is_what_reading_the_export_with_it_gives(
    tmp_path: Path, survey: str
) -> None:
    """Previews and column pickers apply a `.qsf` to the stored metadata instead of reading
    the export again: the outcome is the same as reading both files."""
    if survey == "habits":
        export, qsf = write_export(tmp_path / "s.csv"), write_qsf(tmp_path / "s.qsf")
    else:
        export, qsf = tmp_path / "s.csv", tmp_path / "s.qsf"
        export.write_bytes(programme_export())
        qsf.write_bytes(programme_qsf())
    stored = read_metadata(export, "csv", original_name="s.csv")

    applied = with_survey_definition(stored, qsf)
    read_again = read_qualtrics(export, qsf)

    assert applied is not None
    assert {**applied, "original_name": None, "size": None} == {
        **read_again,
        "original_name": None,
        "size": None,
    }
    assert with_survey_definition(applied, qsf) is None  # the .qsf was applied already


def test_qsf_alone_lists_the_questions(tmp_path: Path) -> None:
    metadata = read_metadata(write_qsf(tmp_path / "s.qsf"), "qsf", original_name="s.qsf")
    assert metadata["survey_name"] == "Habits"
    questions = {q["export_tag"]: q for q in metadata["questions"]}
    assert questions["Q2"]["text"] == "How did you hear of us?"
    assert questions["Q4"]["question_type"] == "Matrix"


def test_utf16_tsv_export(tmp_path: Path) -> None:
    path = write_export(tmp_path / "habits.tsv", encoding="utf-16", delimiter="\t")
    metadata = read_metadata(path, "tsv", original_name="habits.tsv")
    assert metadata["format"] == "qualtrics"
    assert metadata["dialect"]["delimiter"] == "\t"
    shown = preview(path, "tsv", metadata=metadata)
    assert shown["qualtrics"]["responses"]["preview"] == 1
    assert shown["rows"][3][7] == "R_3"


def test_a_plain_csv_is_no_qualtrics_export(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="not a Qualtrics export"):
        read_qualtrics(path)
    assert read_metadata(path, "csv", original_name="plain.csv")["format"] == "csv"


def test_broken_qsf_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "broken.qsf"
    path.write_text('{"SurveyEntry": {}', encoding="utf-8")
    with pytest.raises(UnreadableFile, match="Export it again"):
        read_metadata(path, "qsf", original_name="broken.qsf")
