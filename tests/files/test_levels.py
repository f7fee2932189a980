"""Measurement levels of survey columns on the file page: a number entry is scale, a
multi-select choice binary, and categories get counts and modes in their profile, never a mean
(tests/fixtures/qualtrics/README.md for the format)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from datadive.files import preview, read_metadata, read_qualtrics
from tests.files.survey_files import RESPONSES, write_export, write_qsf

AGES = [int(r[-1]) for r in RESPONSES if r[-1]]


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_a_text_entry_validated_as_a_number_is_scale(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.csv")
    metadata = read_qualtrics(export, write_qsf(tmp_path / "habits.qsf"))
    columns = by_name(metadata["columns"])

    age = columns["Q8"]
    assert (age["measurement"], age["measurement_source"]) == ("scale", "qsf")
    assert age["qualtrics"]["text_entry"] is True
    assert age["qualtrics"]["free_text"] is False
    comments = columns["Q7"]
    assert (comments["measurement"], comments["qualtrics"]["free_text"]) == ("nominal", True)

    profile = by_name(preview(export, "csv", metadata=metadata)["profile"]["columns"])["Q8"]
    assert profile["mean"] == statistics.mean(AGES)
    assert profile["min"] == min(AGES)


def test_without_the_qsf_typed_numbers_are_scale_and_typed_text_nominal(tmp_path: Path) -> None:
    metadata = read_metadata(write_export(tmp_path / "h.csv"), "csv", original_name="h.csv")
    columns = by_name(metadata["columns"])

    assert columns["Q8"]["measurement"] == "scale"
    assert columns["Q8"]["qualtrics"]["free_text"] is False
    assert columns["Q7"]["measurement"] == "nominal"
    assert columns["Q7"]["qualtrics"]["free_text"] is True


def test_multi_select_indicators_are_binary_with_the_choice_as_label(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.csv")
    with_qsf = by_name(read_qualtrics(export, write_qsf(tmp_path / "h.qsf"))["columns"])
    without = by_name(read_metadata(export, "csv", original_name="habits.csv")["columns"])

    for columns in (with_qsf, without):
        assert columns["Q5_1"]["measurement"] == "binary"
        assert columns["Q5_1"]["value_labels"] == [{"value": 1, "label": "Bus"}]
        assert columns["Q5_2"]["measurement"] == "binary"
        assert columns["Q5_2"]["value_labels"] == [{"value": 1, "label": "Bike"}]
    # A matrix item with several answers is no indicator, without the .qsf too.
    assert without["Q4_1"]["measurement"] == "scale"
    assert with_qsf["Q4_1"]["measurement"] == "ordinal"


def test_categories_get_counts_and_modes_never_a_mean(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.csv")
    metadata = read_qualtrics(export, write_qsf(tmp_path / "h.qsf"))
    profiles = by_name(preview(export, "csv", metadata=metadata)["profile"]["columns"])
    plain = by_name(preview(export, "csv")["profile"]["columns"])

    answers = [int(r[4]) for r in RESPONSES]  # Q2, "How did you hear of us?"
    most = max(answers.count(code) for code in set(answers))
    expected_modes = sorted(code for code in set(answers) if answers.count(code) == most)
    for profile in (profiles["Q2"], plain["Q2"], profiles["Q5_1"], plain["Status"]):
        assert "mean" not in profile
        assert "std" not in profile
        assert "quantiles" not in profile
        assert profile["top"]
    assert sorted(profiles["Q2"]["mode"]) == expected_modes
    assert profiles["Q2"]["top"][0]["count"] == most
    assert profiles["Q5_1"]["top"] == [{"value": 1, "count": 2}]
    # Ordinal items keep their numbers' summaries besides the counts.
    assert profiles["Q4_1"]["mean"] == statistics.mean(int(r[5]) for r in RESPONSES)
    assert profiles["Q4_1"]["top"]
