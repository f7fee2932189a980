"""Preparing a labelled table keeps its labels: a renamed column keeps its question text and
labels, a recoded label keeps its code, merged labels add up."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from datadive.analysis import (
    codes,
    column_info,
    frequency_table,
    read_qualtrics,
    recode_value,
    rename_column,
)
from tests.support.programme_survey import PROGRAMMES, kept, programme_export, programme_qsf
from tests.support.programme_survey import responses as programme_responses


@pytest.fixture
def df(tmp_path: Path) -> pd.DataFrame:
    (tmp_path / "p.csv").write_bytes(programme_export())
    (tmp_path / "p.qsf").write_bytes(programme_qsf())
    return read_qualtrics(tmp_path / "p.csv", qsf=tmp_path / "p.qsf")


def counted() -> Counter[str]:
    return Counter(PROGRAMMES[int(row["Q1"])] for row in kept(programme_responses()))


def test_a_renamed_column_keeps_its_question_and_labels(df: pd.DataFrame) -> None:
    renamed = rename_column(df, "Q1", "programme")

    assert "Q1" not in renamed
    assert column_info(renamed, "programme") == column_info(df, "Q1")
    assert frequency_table(renamed, "programme").index.name == (
        "programme: This is a multiple choice question."
    )
    assert "Q1" in df.attrs["datadive"]["columns"]  # the original table is unchanged
    with pytest.raises(KeyError, match="There is no column 'Q9'"):
        rename_column(df, "Q9", "x")


def test_a_recoded_label_keeps_its_code_and_place(df: pd.DataFrame) -> None:
    recode_value(df, "Q1", "Economics", "Business")

    assert list(df["Q1"].cat.categories) == ["Psychology", "Sociology", "Business"]
    assert frequency_table(df, "Q1")["n"].to_dict() == {
        "Psychology": counted()["Psychology"],
        "Sociology": counted()["Sociology"],
        "Business": counted()["Economics"],
    }
    assert codes(df, "Q1").tolist() == [int(r["Q1"]) for r in kept(programme_responses())]


def test_recoding_to_an_existing_label_merges_them(df: pd.DataFrame) -> None:
    recode_value(df, "Q1", "Sociology", "Psychology")

    table = frequency_table(df, "Q1")
    assert list(table.index) == ["Psychology", "Economics"]
    assert table.loc["Psychology", "n"] == counted()["Psychology"] + counted()["Sociology"]


def test_numbers_are_recoded_as_numbers() -> None:
    df = pd.DataFrame({"age": [21.0, 99.0, 35.0]})
    recode_value(df, "age", 99.0, float("nan"))
    assert df["age"].isna().tolist() == [False, True, False]
