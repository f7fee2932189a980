"""Export: a valid .ipynb with stable ids and Datadive metadata, and a .py that runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fastapi import FastAPI

from tests.support.cells import add_cell, add_template_cell
from tests.support.world import World, build_world

FIXTURES = Path(__file__).parents[2] / "fixtures"


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def build_analysis(app: FastAPI, world: World) -> None:
    """Every built-in template except the Excel and SPSS imports (tested on their own files),
    in one analysis of the fixture survey."""
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await add_cell(editor, nb, "markdown", "# Wellbeing study\nDoes the training help?")
        await add_template_cell(editor, nb, "load-csv", file="data/wellbeing.csv", target="survey")
        await add_template_cell(
            editor,
            nb,
            "recode-values",
            data="survey",
            column="gender",
            old_value="diverse",
            new_value="other",
        )
        await add_template_cell(
            editor,
            nb,
            "compute-column",
            data="survey",
            new_column="age in decades",
            formula="age / 10",
        )
        await add_template_cell(
            editor,
            nb,
            "reverse-likert",
            data="survey",
            column="wellbeing 3 (reversed)",
            new_column="wellbeing 3",
        )
        await add_template_cell(
            editor,
            nb,
            "scale-score",
            data="survey",
            items=["wellbeing 1", "wellbeing 2", "wellbeing 3"],
            new_column="wellbeing",
        )
        await add_template_cell(
            editor, nb, "drop-missing", data="survey", columns=["hours slept"], target="complete"
        )
        await add_template_cell(
            editor,
            nb,
            "filter-rows",
            data="complete",
            column="age",
            operator=">=",
            value="18",
            target="adults",
        )
        await add_template_cell(
            editor, nb, "t-test-independent", data="adults", outcome="wellbeing", group="group"
        )
        await add_template_cell(
            editor, nb, "chi-square", data="adults", row_variable="group", column_variable="gender"
        )
        await add_template_cell(
            editor,
            nb,
            "correlation",
            data="adults",
            x="hours slept",
            y="wellbeing",
            method="spearman",
        )
        await add_template_cell(
            editor, nb, "descriptives", data="adults", columns=["age", "wellbeing"]
        )
        await add_template_cell(editor, nb, "frequency-table", data="adults", column="gender")
        await add_template_cell(
            editor,
            nb,
            "cross-table",
            data="adults",
            row_variable="group",
            column_variable="gender",
            percentages="row percent",
        )
        await add_template_cell(editor, nb, "histogram", data="adults", column="wellbeing")
        await add_template_cell(
            editor, nb, "box-plot", data="adults", value="wellbeing", group="group"
        )
        await add_template_cell(
            editor, nb, "scatter-plot", data="adults", x="hours slept", y="wellbeing"
        )
        await add_template_cell(
            editor,
            nb,
            "select-columns",
            data="adults",
            columns=["id", "group", "wellbeing"],
            target="summary",
        )
        await add_template_cell(
            editor,
            nb,
            "rename-column",
            data="summary",
            column="wellbeing",
            new_name="wellbeing score",
        )
        await add_template_cell(
            editor, nb, "export-csv", data="summary", path="results/summary.csv"
        )


async def test_the_exported_script_runs_top_to_bottom_on_fixture_data(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    await build_analysis(app, world)
    async with world.viewer.client(app) as viewer:
        response = await viewer.get(
            f"/api/v1/notebooks/{world.notebook_id}/export", params={"format": "py"}
        )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    assert "filename*=UTF-8''analysis.py" in response.headers["content-disposition"]
    script = response.text
    assert "# %% 9. Independent-samples t-test" in script
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    shutil.copy(FIXTURES / "wellbeing.csv", folder / "data" / "wellbeing.csv")
    (folder / "analysis.py").write_text(script, encoding="utf-8")
    environment = dict(os.environ, MPLBACKEND="Agg")

    run = subprocess.run(
        [sys.executable, "analysis.py"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert "rows kept" in run.stdout
    assert (folder / "results" / "summary.csv").read_text().startswith("id,group,wellbeing score")


async def test_the_ipynb_is_valid_with_stable_ids_and_datadive_metadata(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await add_cell(editor, world.notebook_id, "markdown", "## Notes")
        first = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}/export")).text
        second = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}/export")).text
        cells = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}/cells")).json()

    document = nbformat.reads(first, as_version=4)
    nbformat.validate(document)
    assert [cell["id"] for cell in document.cells] == [cell["id"] for cell in cells]
    assert [c["id"] for c in json.loads(second)["cells"]] == [c["id"] for c in cells]
    template_cell = document.cells[0]
    assert template_cell.cell_type == "code"
    assert template_cell.metadata["datadive"]["template"]["slug"] == "descriptives"
    assert template_cell.metadata["datadive"]["inputs"] == {"data": "df", "columns": []}
    assert document.cells[1].cell_type == "markdown"
    assert document.metadata["kernelspec"]["name"] == "python3"
