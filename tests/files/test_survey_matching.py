"""Which `.qsf` belongs to a Qualtrics export: its questions must all be the definition's
(ImportIds and export tags), and a definition with the export's name wins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datadive.files import read_metadata
from datadive.files.qualtrics import best_survey, matches_survey
from tests.files.survey_files import FIXTURES, write_export, write_qsf
from tests.support.programme_survey import programme_export, programme_qsf


def metadata_of(path: Path) -> dict[str, Any]:
    return read_metadata(path, path.suffix.lstrip("."), original_name=path.name)


def test_the_definition_of_the_survey_matches_and_others_do_not(tmp_path: Path) -> None:
    (tmp_path / "programmes.csv").write_bytes(programme_export())
    (tmp_path / "programmes.qsf").write_bytes(programme_qsf())
    programmes = metadata_of(tmp_path / "programmes.csv")
    habits = metadata_of(write_export(tmp_path / "habits.csv"))
    programme_definition = metadata_of(tmp_path / "programmes.qsf")
    habits_definition = metadata_of(write_qsf(tmp_path / "habits.qsf"))

    assert matches_survey(programmes, programme_definition)
    assert matches_survey(habits, habits_definition)
    assert not matches_survey(programmes, habits_definition)  # QID1 is not in it
    assert not matches_survey(habits, programme_definition)
    assert not matches_survey(programme_definition, programme_definition)


def test_a_question_tagged_otherwise_does_not_match(tmp_path: Path) -> None:
    document = json.loads(programme_qsf())
    for element in document["SurveyElements"]:
        if element.get("PrimaryAttribute") == "QID1":
            element["Payload"]["DataExportTag"] = "programme"
    (tmp_path / "renamed.qsf").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "programmes.csv").write_bytes(programme_export())

    assert not matches_survey(
        metadata_of(tmp_path / "programmes.csv"), metadata_of(tmp_path / "renamed.qsf")
    )


def test_a_legacy_export_matches_by_its_export_tags(tmp_path: Path) -> None:
    legacy = metadata_of(FIXTURES / "qualtrics_export_legacy_de.csv")
    (tmp_path / "p.qsf").write_bytes(programme_qsf())
    assert matches_survey(legacy, metadata_of(tmp_path / "p.qsf"))
    assert not matches_survey(legacy, metadata_of(write_qsf(tmp_path / "habits.qsf")))


def test_the_definition_with_the_same_name_is_preferred(tmp_path: Path) -> None:
    (tmp_path / "p.qsf").write_bytes(programme_qsf())
    (tmp_path / "p.csv").write_bytes(programme_export())
    definition, export = metadata_of(tmp_path / "p.qsf"), metadata_of(tmp_path / "p.csv")
    candidates = [
        ("archive/old.qsf", definition),
        ("survey/other.qsf", definition),
        ("survey/wave2.qsf", definition),
        ("habits.qsf", metadata_of(write_qsf(tmp_path / "habits.qsf"))),
    ]

    assert best_survey("survey/wave2.csv", export, candidates) == "survey/wave2.qsf"
    assert best_survey("survey/wave3.csv", export, candidates) == "survey/other.qsf"
    assert best_survey("survey/wave3.csv", export, candidates[3:]) is None
