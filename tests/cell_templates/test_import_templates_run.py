"""The Excel and SPSS import templates, rendered and run with Python on files made here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat

from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.rendering import render
from datadive.cell_templates.values import check_values

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
    output = run(
        tmp_path,
        script + "\nprint(list(study['group']))\nprint(study_meta.column_names_to_labels)\n",
    )

    assert "['control', 'treatment', 'treatment']" in output
    assert "'group': 'Experimental group'" in output
