"""SPSS, Stata, CSV and Excel readers: labels and levels from the file, values held as the
package says (nominal labelled columns as their labels, ordinal and scale as numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from datadive.analysis import codes, column_info, read_csv, read_excel, read_spss, read_stata

FACULTY = {1.0: "Psychology", 2.0: "Sociology", 3.0: "Economics"}
AGREE = {1.0: "Disagree", 2.0: "Neutral", 3.0: "Agree"}
GROUPS = [1.0, 3.0, 1.0, 2.0, np.nan, 3.0]
ITEMS = [1.0, 3.0, 3.0, 2.0, 1.0, np.nan]
AGES = [21.0, 34.0, 25.0, 19.0, 40.0, 28.0]


def write_sav(path: Path) -> Path:
    frame = pd.DataFrame({"faculty": GROUPS, "item": ITEMS, "age": AGES})
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["Which faculty?", "I enjoy my studies", "Age in years"],
        variable_value_labels={"faculty": FACULTY, "item": AGREE},
        variable_measure={"faculty": "nominal", "item": "ordinal", "age": "scale"},
    )
    return path


def test_spss_nominal_columns_hold_labels_ordinal_and_scale_numbers(tmp_path: Path) -> None:
    df = read_spss(write_sav(tmp_path / "study.sav"))

    assert df["faculty"].tolist()[:4] == [FACULTY[g] for g in GROUPS[:4]]
    assert pd.isna(df["faculty"].tolist()[4])
    assert list(df["faculty"].cat.categories) == list(FACULTY.values())
    assert codes(df, "faculty").tolist()[:4] == GROUPS[:4]
    assert df["item"].mean() == pytest.approx(np.nanmean(ITEMS))
    assert df["age"].tolist() == AGES
    assert column_info(df, "faculty") == {
        "label": "Which faculty?",
        "measurement": "nominal",
        "value_labels": [{"value": int(k), "label": v} for k, v in FACULTY.items()],
    }
    assert column_info(df, "item")["measurement"] == "ordinal"
    assert column_info(df, "age")["label"] == "Age in years"


def test_spss_codes_kept_when_asked(tmp_path: Path) -> None:
    df = read_spss(write_sav(tmp_path / "study.sav"), labels=False)
    assert df["faculty"].tolist()[:4] == GROUPS[:4]
    assert column_info(df, "faculty")["value_labels"][0] == {"value": 1, "label": "Psychology"}


def test_stata_labelled_columns_are_nominal_labels(tmp_path: Path) -> None:
    frame = pd.DataFrame({"faculty": [1, 3, 2, 1], "score": [2.5, 3.0, 4.5, 1.0]})
    path = tmp_path / "study.dta"
    pyreadstat.write_dta(
        frame,
        str(path),
        column_labels=["Which faculty?", "Score"],
        variable_value_labels={"faculty": {1: "Psychology", 2: "Sociology", 3: "Economics"}},
    )

    df = read_stata(path)

    assert df["faculty"].tolist() == ["Psychology", "Economics", "Sociology", "Psychology"]
    assert column_info(df, "faculty")["measurement"] == "nominal"
    assert column_info(df, "score")["measurement"] == "scale"
    assert df["score"].sum() == pytest.approx(11.0)


def test_csv_and_excel_readers_note_the_source_and_guess_levels(tmp_path: Path) -> None:
    (tmp_path / "scores.csv").write_text("name;score\nMüller;1,5\nWeber;2,25\n", encoding="utf-8")
    df = read_csv(tmp_path / "scores.csv", sep=";", decimal=",")
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="About", index=False)
        pd.DataFrame({"title": ["x"], "a": ["name"]}).to_excel(
            writer, sheet_name="Data", index=False
        )

    sheet = read_excel(tmp_path / "book.xlsx", sheet="Data", header_row=2)

    assert df["score"].tolist() == [1.5, 2.25]
    assert df.attrs["datadive"]["source"] == str(tmp_path / "scores.csv")
    assert column_info(df, "score") == {"label": None, "measurement": "scale", "value_labels": None}
    assert column_info(df, "name")["measurement"] == "nominal"
    assert list(sheet.columns) == ["x", "name"]
    with pytest.raises(ValueError, match="counts from 1"):
        read_excel(tmp_path / "book.xlsx", header_row=0)
    with pytest.raises(KeyError, match="There is no column 'scor' in this table"):
        column_info(df, "scor")
