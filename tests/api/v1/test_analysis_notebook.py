"""A whole analysis made only from templates, through the API, on a real kernel: a Qualtrics
export with its `.qsf`, a reversed item, a scale score with its α, a Welch ANOVA with
Games-Howell across three programmes, a two-way ANOVA, a multiple and a logistic regression.
Its numbers arrive in the notebook as the library computes them on the same file (the library's
own tests check those numbers against R), and its `.py` export runs with plain `python`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from datadive.analysis import (
    linear_regression,
    logistic_regression,
    read_qualtrics,
    reliability,
    two_way_anova,
    welch_anova,
)
from tests.support.belonging_survey import belonging_export, belonging_qsf
from tests.support.cells import add_cell, add_template_cell
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow
ITEMS = ["Q3_1", "Q3_2", "Q3_3_r", "Q3_4"]
# What the last cell prints: the numbers a methods section would report, as JSON.
REPORT = """import json
print(json.dumps({
    "n": len(survey),
    "welch_F": anova.values["statistic"], "welch_p": anova.values["p"],
    "welch_df2": anova.values["df2"],
    "two_way_p": two_way.values["p[Q1:Q2]"],
    "r2": model.values["r2"],
    "odds_belonging": continuing.values["OR[belonging]"],
}))
"""


@pytest.fixture
async def world(app: FastAPI) -> World:
    built = await build_world(app)
    async with built.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{built.cell_id}")
        for name, body in (
            ("belonging.csv", belonging_export()),
            ("belonging.qsf", belonging_qsf()),
        ):
            answer = await editor.post(
                f"/api/v1/projects/{built.project_id}/files",
                files={"file": (name, body, "application/octet-stream")},
            )  # a project's files are the kernel's data/ folder
            assert answer.status_code == 201, answer.text
    return built


async def build_notebook(app: FastAPI, world: World) -> dict[str, str]:
    """The analysis, one template cell per step; the ids of the cells by step."""
    nb = world.notebook_id
    ids: dict[str, str] = {}
    async with world.editor.client(app) as editor:

        async def step(name: str, slug: str, **inputs: Any) -> None:
            ids[name] = (await add_template_cell(editor, nb, slug, **inputs))["id"]

        await step(
            "load",
            "load-qualtrics",
            file="data/belonging.csv",
            qsf="data/belonging.qsf",
            drop_previews=True,
            target="survey",
        )
        await step(
            "reverse", "reverse-likert", data="survey", column="Q3_3", scale_min=1, scale_max=5
        )
        await step("score", "scale-score", data="survey", items=ITEMS, new_column="belonging")
        await step(
            "welch",
            "welch-anova",
            data="survey",
            outcome="belonging",
            group="Q1",
            post_hoc="games-howell",
            target="anova",
        )
        await step(
            "two_way",
            "two-way-anova",
            data="survey",
            outcome="belonging",
            factors=["Q1", "Q2"],
            target="two_way",
        )
        await step(
            "linear",
            "linear-regression",
            data="survey",
            outcome="belonging",
            predictors=["Q4", "Q1"],
            target="model",
        )
        await step(
            "logistic",
            "logistic-regression",
            data="survey",
            outcome="Q5",
            predictors=["belonging", "Q4"],
            event="Yes",
            target="continuing",
        )
        ids["report"] = (await add_cell(editor, nb, "code", REPORT))["id"]
    return ids


def shown(cell: dict[str, Any]) -> str:
    """Everything a cell shows as text: printed text, results' text and error messages."""
    parts = []
    for output in cell["outputs"]:
        data = output.get("data", {})
        parts.append(
            data.get("text/plain")
            or output.get("text")
            or f"{output.get('ename', '')}: {output.get('evalue', '')}"
        )
    return "\n".join(map(str, parts))


def in_process(folder: Path) -> dict[str, Any]:
    """The same analysis, by the library called here on the same files."""
    survey = read_qualtrics(
        folder / "belonging.csv", qsf=folder / "belonging.qsf", drop_previews=True
    )
    survey["Q3_3_r"] = 6 - survey["Q3_3"]
    survey["belonging"] = survey[ITEMS].mean(axis=1)
    welch = welch_anova(survey, outcome="belonging", group="Q1", post_hoc="games-howell")
    return {
        "n": len(survey),
        "welch_F": welch.values["statistic"],
        "welch_p": welch.values["p"],
        "welch_df2": welch.values["df2"],
        "two_way_p": two_way_anova(survey, outcome="belonging", factors=["Q1", "Q2"]).values[
            "p[Q1:Q2]"
        ],
        "r2": linear_regression(survey, outcome="belonging", predictors=["Q4", "Q1"]).values["r2"],
        "odds_belonging": logistic_regression(
            survey, outcome="Q5", predictors=["belonging", "Q4"], event="Yes"
        ).values["OR[belonging]"],
    }


async def test_a_notebook_of_templates_analyses_a_qualtrics_study_and_exports_a_script(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    ids = await build_notebook(app, world)
    async with world.editor.client(app) as editor:
        response = await editor.post(
            f"/api/v1/notebooks/{world.notebook_id}/execute", params={"wait": 240}
        )
        script = (
            await editor.get(
                f"/api/v1/notebooks/{world.notebook_id}/export", params={"format": "py"}
            )
        ).text

    assert response.status_code == 200, response.text
    run = response.json()
    cells = {cell["id"]: cell for cell in run["cells"]}
    assert run["status"] == "ok", [shown(c) for c in run["cells"] if c["status"] != "ok"]
    folder = tmp_path / "project"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "belonging.csv").write_bytes(belonging_export())
    (folder / "data" / "belonging.qsf").write_bytes(belonging_qsf())
    expected = in_process(folder / "data")

    # What the researcher sees: APA tables and write-ups, with the checks next to each test.
    assert "Dropped 2 of 92 rows (2 survey previews" in shown(cells[ids["load"]])
    alpha = reliability(
        read_qualtrics(
            folder / "data" / "belonging.csv", qsf=folder / "data" / "belonging.qsf"
        ).assign(Q3_3_r=lambda d: 6 - d["Q3_3"]),
        ITEMS,
    )
    assert alpha.report in shown(cells[ids["score"]])  # "… Cronbach's α = .79, 95% CI …"
    welch = shown(cells[ids["welch"]])
    assert "Games-Howell" in welch
    assert "Psychology" in welch
    assert "Economics" in welch
    assert "Assumption checks" in welch
    assert "F(2, " in welch
    assert "Q1 × Q2" in shown(cells[ids["two_way"]])
    assert any(
        "image/png" in output.get("data", {}) for output in cells[ids["two_way"]]["outputs"]
    ), "the interaction plot is shown"
    assert "OR = " in shown(cells[ids["logistic"]])
    printed = json.loads(cells[ids["report"]]["outputs"][0]["text"])
    assert printed == pytest.approx(expected, rel=1e-12)

    # The exported script runs with plain python where datadive is installed.
    assert "from datadive.analysis import welch_anova" in script
    (folder / "analysis.py").write_text(script, encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, "analysis.py"],
        cwd=folder,
        env=dict(os.environ, MPLBACKEND="Agg"),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    last_line = finished.stdout.strip().splitlines()[-1]
    assert json.loads(last_line) == pytest.approx(expected, rel=1e-12)
