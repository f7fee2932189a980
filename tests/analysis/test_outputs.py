"""Tables and figures show labels and question texts; `show="codes"` shows codes. Every number
is computed a second time here from the raw responses (csv module, statistics, Counter)."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datadive.analysis import (
    box_plot,
    categories,
    cross_table,
    descriptives,
    frequency_table,
    histogram,
    labelled,
    read_qualtrics,
    scatter_plot,
    set_column_info,
)
from tests.files.survey_files import RESPONSES as HABITS
from tests.files.survey_files import write_export, write_qsf
from tests.support.programme_survey import PROGRAMMES, kept, programme_export, programme_qsf
from tests.support.programme_survey import responses as programme_responses

DURATION = "Duration (in seconds)"


@pytest.fixture
def df(tmp_path: Path) -> pd.DataFrame:
    (tmp_path / "p.csv").write_bytes(programme_export())
    (tmp_path / "p.qsf").write_bytes(programme_qsf())
    return read_qualtrics(tmp_path / "p.csv", qsf=tmp_path / "p.qsf")


def raw() -> list[dict[str, str]]:
    return kept(programme_responses())


def test_frequency_table_counts_programmes_by_name(df: pd.DataFrame) -> None:
    counted = Counter(PROGRAMMES[int(row["Q1"])] for row in raw())
    total = len(raw())

    table = frequency_table(df, "Q1")

    assert table.index.name == "Q1: This is a multiple choice question."
    assert list(table.index) == list(PROGRAMMES.values())  # questionnaire order
    assert table["n"].tolist() == [counted[name] for name in PROGRAMMES.values()]
    assert table["percent"].tolist() == [
        round(100 * counted[name] / total, 1) for name in PROGRAMMES.values()
    ]
    codes = frequency_table(df, "Q1", show="codes")
    assert list(codes.index) == list(PROGRAMMES)
    assert codes["n"].tolist() == table["n"].tolist()


def test_frequency_table_with_missing_values_and_unchosen_labels(tmp_path: Path) -> None:
    df = read_qualtrics(write_export(tmp_path / "h.csv"), qsf=write_qsf(tmp_path / "h.qsf"))
    real = [r for r in HABITS if r[0] == "0"]
    answered = [r[8] for r in real if r[8]]  # Q5_2, "Which do you use? - Bike"

    table = frequency_table(df, "Q5_2")
    without = frequency_table(df, "Q5_2", include_missing=False)
    likert = frequency_table(df, "Q4_2", include_missing=False)

    assert table.index.tolist() == ["Bike", "Missing"]
    assert table["n"].tolist() == [len(answered), len(real) - len(answered)]
    assert table["percent"].tolist() == [round(100 * len(answered) / len(real), 1)] * 1 + [
        round(100 * (len(real) - len(answered)) / len(real), 1)
    ]
    assert table["valid percent"].tolist()[0] == 100.0
    assert np.isnan(table["valid percent"].tolist()[1])
    assert without.index.tolist() == ["Bike"]
    assert without["percent"].tolist() == [100.0]
    # Every point of the scale is a row, in the scale's order, chosen or not.
    points = Counter(int(r[6]) for r in real if r[6])
    assert likert.index.tolist() == ["Disagree", "Neutral", "4", "Agree"]
    assert likert["n"].tolist() == [points[1], points[3], points[4], points[5]]


def test_cross_table_names_rows_and_columns(df: pd.DataFrame) -> None:
    pairs = Counter((PROGRAMMES[int(r["Q1"])], r["DistributionChannel"]) for r in raw())

    table = cross_table(df, "Q1", "DistributionChannel")
    shares = cross_table(df, "Q1", "DistributionChannel", percentages="row percent")

    assert table.loc["Psychology", "anonymous"] == pairs["Psychology", "anonymous"]
    assert table.loc["Economics", "email"] == pairs["Economics", "email"]
    assert table.loc["Total", "Total"] == len(raw())
    assert table.index.name == "Q1: This is a multiple choice question."
    in_row = sum(n for (p, _), n in pairs.items() if p == "Economics")
    assert shares.loc["Economics", "email"] == round(100 * pairs["Economics", "email"] / in_row, 1)
    with pytest.raises(ValueError, match="percentages must be one of"):
        cross_table(df, "Q1", "Q2", percentages="share")


def test_descriptives_never_average_codes(df: pd.DataFrame) -> None:
    durations = [int(r[DURATION]) for r in raw()]
    programmes = Counter(PROGRAMMES[int(r["Q1"])] for r in raw())
    top = max(programmes.values())

    table = descriptives(df, ["Q1", DURATION])
    codes = descriptives(df, ["Q1"], show="codes")

    assert np.isnan(table.loc["Q1", "mean"])
    assert table.loc["Q1", "level"] == "nominal"
    assert table.loc["Q1", "question"] == "This is a multiple choice question."
    # tied modes in the order of the labels
    modes = [name for name in PROGRAMMES.values() if programmes[name] == top]
    assert table.loc["Q1", "mode"] == ", ".join(modes)
    assert table.loc["Q1", "mode n"] == top
    assert table.loc[DURATION, "mean"] == pytest.approx(statistics.mean(durations))
    assert table.loc[DURATION, "sd"] == pytest.approx(statistics.stdev(durations))
    assert table.loc[DURATION, "median"] == pytest.approx(statistics.median(durations))
    assert table.loc[DURATION, "n"] == len(durations)
    coded = [c for c, n in Counter(int(r["Q1"]) for r in raw()).items() if n == top]
    assert codes.loc["Q1", "mode"] == ", ".join(str(c) for c in sorted(coded))


def test_box_plot_by_programme_names_its_boxes(df: pd.DataFrame) -> None:
    groups: dict[str, list[int]] = {}
    for row in raw():
        groups.setdefault(PROGRAMMES[int(row["Q1"])], []).append(int(row[DURATION]))

    plot = box_plot(df, DURATION, by="Q1")
    codes = box_plot(df, DURATION, by="Q1", show="codes")

    assert plot.tick_labels == [name for name in PROGRAMMES.values() if name in groups]
    assert codes.tick_labels == [str(c) for c, name in PROGRAMMES.items() if name in groups]
    medians = [line.get_ydata()[0] for line in plot.parts["medians"]]
    assert medians == [statistics.median(groups[name]) for name in plot.tick_labels]
    assert "Psychology (n = 3)" in plot.description
    bundle = plot._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Box plot of Duration (in seconds) by Q1: Psychology (n = 3), Sociology (n = 3), "
        "Economics (n = 2). Duration (in seconds): Dauer (in Sekunden). Q1: This is a multiple "
        "choice question."
    )
    assert bundle["image/png"][:8] == "iVBORw0K"  # base64 of the PNG signature
    assert axis_label(plot.axes.get_xlabel()) == "Q1: This is a multiple choice question."


def axis_label(text: str) -> str:
    return " ".join(text.split())


def test_histogram_and_scatter_plot(df: pd.DataFrame, tmp_path: Path) -> None:
    bars = histogram(df, "Q1")
    numbers = histogram(df, DURATION, bins=4, title="Time taken")
    scatter = scatter_plot(df, DURATION, "Progress")

    counted = Counter(PROGRAMMES[int(r["Q1"])] for r in raw())
    assert bars.tick_labels == list(PROGRAMMES.values())
    assert [p.get_height() for p in bars.axes.patches] == [counted[n] for n in PROGRAMMES.values()]
    assert sum(p.get_height() for p in numbers.axes.patches) == len(raw())
    assert numbers.axes.get_title() == "Time taken"
    assert scatter.description.startswith(f"Scatter plot of Progress against {DURATION}: ")
    assert f"{len(raw())} points." in scatter.description
    with pytest.raises(TypeError, match="holds categories"):
        scatter_plot(df, "Q1", DURATION)
    scatter.save(tmp_path / "scatter.svg")
    assert (tmp_path / "scatter.svg").read_text().startswith("<?xml")


def test_labels_of_a_column_made_in_the_notebook() -> None:
    df = pd.DataFrame({"smoker": [0, 1, 1, None], "group": ["b", "a", "b", "a"]})
    set_column_info(df, "smoker", label="Do you smoke?", value_labels={0: "No", 1: "Yes"})
    set_column_info(df, "smoker", measurement="nominal")

    assert labelled(df, "smoker").tolist()[:3] == ["No", "Yes", "Yes"]
    assert frequency_table(df, "smoker").index.tolist() == ["No", "Yes", "Missing"]
    assert categories(df["group"]) == ["a", "b"]
    assert labelled(df, "group").equals(df["group"])
    with pytest.raises(ValueError, match="show must be 'labels' or 'codes'"):
        labelled(df, "smoker", show="names")
    with pytest.raises(ValueError, match="measurement must be one of"):
        set_column_info(df, "smoker", measurement="interval")


def test_two_codes_with_one_label_stay_apart() -> None:
    df = pd.DataFrame({"where": [1, 2, 5, 5]})
    set_column_info(
        df, "where", measurement="nominal", value_labels={1: "Home", 2: "Other", 5: "Other"}
    )
    assert frequency_table(df, "where")["n"].to_dict() == {
        "Home": 1,
        "Other (2)": 1,
        "Other (5)": 2,
    }
