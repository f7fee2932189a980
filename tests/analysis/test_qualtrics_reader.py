"""`read_qualtrics` against the raw files read again by hand (csv module, the rules written out
in tests.support.programme_survey): which rows it keeps and why, labels, levels, question
texts, and what it says it left out."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from datadive.analysis import codes, column_info, read_qualtrics
from tests.files.survey_files import RESPONSES as HABITS
from tests.files.survey_files import write_export, write_qsf
from tests.support.programme_survey import (
    PREVIEWS,
    PROGRAMMES,
    TESTS,
    UNFINISHED,
    kept,
    programme_export,
    programme_qsf,
    responses,
)
from tests.support.qualtrics import FIXTURES as QUALTRICS_FIXTURES


@pytest.fixture
def survey(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "programmes.csv").write_bytes(programme_export())
    (tmp_path / "programmes.qsf").write_bytes(programme_qsf())
    return tmp_path / "programmes.csv", tmp_path / "programmes.qsf"


def test_programmes_are_labels_and_the_codes_stay_recoverable(
    survey: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    export, qsf = survey
    df = read_qualtrics(export, qsf=qsf)

    rows = kept(responses())
    total = len(responses())
    assert capsys.readouterr().out == (
        f"Dropped {PREVIEWS + TESTS} of {total} rows ({PREVIEWS} survey previews, "
        f"{TESTS} test responses); {total - PREVIEWS - TESTS} left.\n"
    )
    assert len(df) == len(rows)
    assert isinstance(df["Q1"].dtype, pd.CategoricalDtype)
    assert list(df["Q1"].cat.categories) == list(PROGRAMMES.values())
    assert df["Q1"].tolist() == [PROGRAMMES[int(row["Q1"])] for row in rows]
    assert codes(df, "Q1").tolist() == [int(row["Q1"]) for row in rows]
    assert df["Duration (in seconds)"].tolist() == [int(r["Duration (in seconds)"]) for r in rows]
    assert df["StartDate"].dt.day.tolist() == [int(r["StartDate"][8:10]) for r in rows]

    q1 = column_info(df, "Q1")
    assert q1["label"] == "This is a multiple choice question."
    assert q1["measurement"] == "nominal"
    assert q1["value_labels"] == [{"value": c, "label": n} for c, n in PROGRAMMES.items()]
    stored = df.attrs["datadive"]
    assert stored["source"] == str(export)
    assert stored["left_out"] == {"survey previews": PREVIEWS, "test responses": TESTS}
    json.dumps(stored, allow_nan=False)  # the app reads it from the kernel as JSON


def test_unfinished_responses_go_when_asked_and_previews_stay_when_asked(
    survey: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    export, qsf = survey
    strict = read_qualtrics(export, qsf=qsf, drop_unfinished=True)
    everything = read_qualtrics(export, drop_previews=False)

    printed = capsys.readouterr().out.splitlines()
    expected = kept(responses(), drop_unfinished=True)
    assert strict["ResponseId"].tolist() == [row["ResponseId"] for row in expected]
    assert printed[0].endswith(f"{UNFINISHED} unfinished responses); {len(expected)} left.")
    assert len(everything) == len(responses())
    assert printed[1] == f"Kept all {len(responses())} rows."
    # Without the .qsf a bare question id with whole numbers is a choice, its codes numbers.
    assert column_info(everything, "Q1")["measurement"] == "nominal"
    assert everything["Q1"].tolist() == [int(row["Q1"]) for row in responses()]


def test_levels_and_labels_of_every_kind_of_question(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.csv")
    df = read_qualtrics(export, qsf=write_qsf(tmp_path / "habits.qsf"))
    real = [r for r in HABITS if r[0] == "0"]  # no previews, no tests

    levels = {name: column_info(df, name)["measurement"] for name in df.columns}
    assert levels["Q2"] == "nominal"
    assert levels["Q4_1"] == levels["Q4_2"] == "ordinal"
    assert levels["Q5_1"] == levels["Q5_2"] == "binary"
    assert levels["Q6_1"] == levels["Q8"] == "scale"
    assert levels["Q7"] == "nominal"
    # A Likert item stays numbers (means work), its labels in the metadata.
    assert df["Q4_2"].mean() == pytest.approx(sum(int(r[6]) for r in real if r[6]) / 2)
    assert column_info(df, "Q4_2")["value_labels"][0] == {"value": 1, "label": "Disagree"}
    # The number entry (age) holds numbers; the indicators 1 or missing.
    assert df["Q8"].tolist()[:2] == [34, 19]
    assert df["Q5_1"].tolist()[0] == 1
    assert df["Q5_1"].isna().sum() == sum(1 for r in real if not r[7])
    assert column_info(df, "Q4_1")["label"] == (
        "How much do you agree?\nPlease be honest. - I sleep well"
    )


def test_choice_texts_exported_instead_of_codes(tmp_path: Path) -> None:
    """Qualtrics can export choice texts: a nominal column holds them as categories, a
    Likert item gets its codes back from the labels."""
    text = write_export(tmp_path / "codes.csv").read_text(encoding="utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    likert = ["Agree", "Neutral", "Disagree", "Neutral", ""]
    for record, answer in zip(records[3:], likert, strict=True):
        record[10] = {"1": "Friends", "2": "Web", "3": "Radio"}[record[10]]
        record[12] = answer
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(records)
    (tmp_path / "texts.csv").write_text(out.getvalue(), encoding="utf-8-sig")

    df = read_qualtrics(tmp_path / "texts.csv", qsf=write_qsf(tmp_path / "h.qsf"))

    assert df["Q2"].tolist() == ["Friends", "Web", "Friends"]
    assert list(df["Q2"].cat.categories) == ["Friends", "Web", "Radio"]
    assert df["Q4_2"].tolist()[:2] == [5, 3]  # the recode values of Agree and Neutral
    assert df["Q4_2"].isna().tolist() == [False, False, True]


def test_legacy_export_is_detected_and_named_by_its_second_row(
    capsys: pytest.CaptureFixture[str],
) -> None:
    df = read_qualtrics(QUALTRICS_FIXTURES / "qualtrics_export_legacy_de.csv")

    assert "Dropped 0 of 1 rows (0 survey previews, 0 test responses); 1 left." in (
        capsys.readouterr().out
    )
    assert list(df.columns[:3]) == ["ResponseID", "ResponseSet", "Name"]
    assert column_info(df, "Q1")["label"] == "This is a multiple choice question."
    assert df["StartDate"].dt.year.tolist() == [2017]
    assert "LocationAccuracy" in df
    assert len(df.columns) == 15  # the nameless column of the trailing comma is gone


def test_a_utf16_tsv_export_is_read(tmp_path: Path) -> None:
    export = write_export(tmp_path / "habits.tsv", encoding="utf-16", delimiter="\t")
    df = read_qualtrics(export)
    assert df["ResponseId"].tolist() == ["R_0", "R_3", "R_4"]
    assert Counter(df["DistributionChannel"]) == {"anonymous": 3}


def test_a_plain_csv_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a Qualtrics export"):
        read_qualtrics(path)
    with pytest.raises(FileNotFoundError):
        read_qualtrics(tmp_path / "missing.csv")
