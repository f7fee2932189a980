"""The import templates, rendered and run with plain Python on files made here: each is one call
of `datadive.analysis`, so an exported script runs wherever Datadive is installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat

from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.rendering import render
from datadive.cell_templates.values import check_values
from tests.support.programme_survey import (
    PROGRAMMES,
    kept,
    programme_export,
    programme_qsf,
    responses,
)
from tests.support.qualtrics import PREVIEWS, RESPONSES, TESTS, UNFINISHED_KEPT, survey_export

FIXTURES = Path(__file__).parents[1] / "fixtures"


def script_for(slug: str, **inputs: object) -> str:
    template = builtin_template(slug)
    assert template is not None
    return render(template, check_values(template, inputs))


def run(folder: Path, script: str) -> str:
    (folder / "script.py").write_text(script, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "script.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_excel_sheet_is_loaded(tmp_path: Path) -> None:
    frame = pd.read_csv(FIXTURES / "wellbeing.csv")
    with pd.ExcelWriter(tmp_path / "survey.xlsx") as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)

    script = script_for("load-excel", file="survey.xlsx", sheet="Data", target="survey")
    output = run(tmp_path, script + "\nprint(survey.shape, list(survey.columns)[:2])\n")

    assert "(60, 8) ['id', 'group']" in output


def test_an_spss_file_is_loaded_with_its_labels(tmp_path: Path) -> None:
    frame = pd.DataFrame({"group": [1.0, 2.0, 2.0], "score": [3.5, 4.0, 2.5]})
    pyreadstat.write_sav(
        frame,
        str(tmp_path / "study.sav"),
        column_labels=["Experimental group", "Wellbeing score"],
        variable_value_labels={"group": {1.0: "control", 2.0: "treatment"}},
    )

    script = script_for("load-spss", file="study.sav", target="study")
    codes = script_for("load-spss", file="study.sav", target="coded", use_labels=False)
    output = run(
        tmp_path,
        script
        + "\n"
        + codes
        + "\nfrom datadive.analysis import column_info"
        + "\nprint(list(study['group']), list(coded['group']))"
        + "\nprint(column_info(study, 'group'))\n",
    )

    assert "['control', 'treatment', 'treatment'] [1.0, 2.0, 2.0]" in output
    assert "'label': 'Experimental group', 'measurement': 'nominal'" in output


def test_a_stata_file_is_loaded_with_its_labels(tmp_path: Path) -> None:
    pyreadstat.write_dta(
        pd.DataFrame({"group": [1, 2, 2], "score": [3.5, 4.0, 2.5]}),
        str(tmp_path / "study.dta"),
        column_labels=["Experimental group", "Wellbeing score"],
        variable_value_labels={"group": {1: "control", 2: "treatment"}},
    )

    script = script_for("load-stata", file="study.dta", target="study")
    output = run(tmp_path, script + "\nprint(list(study['group']), study['score'].sum())\n")

    assert "['control', 'treatment', 'treatment'] 10.0" in output


QUALTRICS_CHECK = """
from datadive.analysis import column_info
assert str(df["StartDate"].dtype).startswith("datetime64"), df.dtypes
assert str(df["RecordedDate"].dtype).startswith("datetime64"), df.dtypes
print("ROWS", len(df), "STATUS", sorted(df["Status"].astype(str)))
comments, satisfaction = column_info(df, "Q3")["label"], column_info(df, "Q2_1")["label"]
print("LABEL", comments.replace("\\n", "|"), "/", satisfaction)
"""


def test_a_qualtrics_export_is_loaded_without_previews_and_tests(tmp_path: Path) -> None:
    (tmp_path / "survey.csv").write_bytes(survey_export())
    default = run(tmp_path, script_for("load-qualtrics", file="survey.csv") + QUALTRICS_CHECK)
    strict = run(
        tmp_path,
        script_for("load-qualtrics", file="survey.csv", drop_unfinished=True) + QUALTRICS_CHECK,
    )
    everything = run(
        tmp_path,
        script_for("load-qualtrics", file="survey.csv", drop_previews=False) + QUALTRICS_CHECK,
    )

    total, kept = len(RESPONSES), len(RESPONSES) - PREVIEWS - TESTS
    assert (
        f"Dropped {PREVIEWS + TESTS} of {total} rows ({PREVIEWS} survey previews, "
        f"{TESTS} test responses); {kept} left." in default
    )
    assert f"ROWS {kept} STATUS ['0', '0', '0', '8', 'IP Address']" in default
    assert "LABEL Comments,|please / How satisfied are you? - With the course" in default
    assert f"{UNFINISHED_KEPT} unfinished responses); {kept - UNFINISHED_KEPT} left." in strict
    assert f"Kept all {total} rows." in everything
    assert f"ROWS {total}" in everything


def test_the_legacy_qualtrics_format_names_its_metadata(tmp_path: Path) -> None:
    fixture = FIXTURES / "qualtrics" / "qualtrics_export_legacy_de.csv"
    (tmp_path / "legacy.csv").write_bytes(fixture.read_bytes())
    script = script_for("load-qualtrics", file="legacy.csv")
    output = run(
        tmp_path,
        script
        + "\nfrom datadive.analysis import column_info"
        + "\nprint(list(df.columns[:3]), column_info(df, 'Q1')['label'], "
        + "df['StartDate'].dt.year.tolist())"
        + "\nprint('LocationAccuracy' in df, len(df.columns))",
    )
    assert "Dropped 0 of 1 rows (0 survey previews, 0 test responses); 1 left." in output
    assert "['ResponseID', 'ResponseSet', 'Name'] This is a multiple choice question. [2017]" in (
        output
    )
    assert "True 15" in output


def test_a_qualtrics_export_with_its_qsf_is_loaded_with_choice_labels(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "programmes.csv").write_bytes(programme_export())
    (tmp_path / "data" / "programmes.qsf").write_bytes(programme_qsf())
    script = script_for(
        "load-qualtrics", file="data/programmes.csv", qsf="data/programmes.qsf", target="survey"
    )

    output = run(tmp_path, script + "\nprint(survey['Q1'].tolist())\n")

    assert "read_qualtrics('data/programmes.csv', qsf='data/programmes.qsf'," in script
    expected = [PROGRAMMES[int(row["Q1"])] for row in kept(responses())]
    assert output.splitlines()[-1] == str(expected)
