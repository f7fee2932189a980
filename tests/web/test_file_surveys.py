"""A Qualtrics export and its survey definition on the file page: the `.qsf` of the same survey
is found and used (choice labels in the profile, levels), the preview marks the rows the import
leaves out with the reason, and "Use in notebook" fills in the `.qsf`. A Stata file is loaded
with its labels too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from fastapi import FastAPI

from datadive.web.file_view import left_out_summary
from tests.files.survey_files import write_qsf
from tests.support.cells import template_id
from tests.support.programme_survey import PROGRAMMES, programme_export, programme_qsf, responses
from tests.support.world import World, build_world
from tests.web.test_file_pages import cells_of, file_ids, upload


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def column_row(page: str, name: str) -> str:
    """The row of the Columns table that describes `name`."""
    start = page.index(f'<th scope="row">{name}</th>')
    return page[start : page.index("</tr>", start)]


def preview_rows(page: str) -> list[str]:
    table = page[page.index('id="preview-table"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.DOTALL)


async def test_the_survey_definition_gives_labels_and_the_left_out_rows_are_marked(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world, "programmes.csv", programme_export(), folder="survey")
        await upload(editor, world, "programmes.qsf", programme_qsf(), folder="survey")
        ids = await file_ids(editor, world)
        page = (await editor.get(f"/files/{ids['survey/programmes.csv']}")).text
        api = (await editor.get(f"/api/v1/files/{ids['survey/programmes.csv']}/preview")).json()

    assert api["survey_definition"] == {
        "id": ids["survey/programmes.qsf"],
        "path": "survey/programmes.qsf",
    }
    assert f'<a href="/files/{ids["survey/programmes.qsf"]}">survey/programmes.qsf</a>' in page
    q1 = column_row(page, "Q1")
    assert "nominal" in q1
    assert "1 = Psychology" in q1
    assert "<dt>Mean</dt>" not in q1  # codes of categories are never averaged
    counted = {code: sum(r["Q1"] == str(code) for r in responses()) for code in PROGRAMMES}
    top = max(counted.values())
    modes = ", ".join(f"{c} {PROGRAMMES[c]}" for c in sorted(counted) if counted[c] == top)
    assert f"<dt>Mode</dt><dd>{modes}</dd>" in q1
    assert "<dt>Mean</dt>" in column_row(page, "Duration (in seconds)")

    rows = preview_rows(page)
    assert len(rows) == len(responses())
    for row, response in zip(rows, responses(), strict=True):
        preview = response["Status"] == "1" or response["DistributionChannel"] == "preview"
        test = response["Status"] == "2" or response["DistributionChannel"] == "test"
        unfinished = response["Finished"] == "0"
        assert response["ResponseId"] in row
        if preview:
            assert 'class="row-left-out"' in row
            assert "Left out: survey preview" in row
        elif test:
            assert "Left out: test response" in row
        elif unfinished:
            assert 'class="row-left-out"' not in row
            assert "Unfinished: kept unless the cell leaves out unfinished responses" in row
        else:
            assert '<td class="row-mark">Kept</td>' in row
    assert "The import cell leaves out 2 survey previews and 1 test response" in page


async def test_use_in_notebook_fills_in_the_survey_definition(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world, "programmes.csv", programme_export())
        await upload(editor, world, "programmes.qsf", programme_qsf(), folder="definitions")
        file_id = (await file_ids(editor, world))["programmes.csv"]
        added = await editor.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
        cell = (await cells_of(editor, world.notebook_id))[-1]

    assert added.status_code == 303
    assert cell["template"]["slug"] == "load-qualtrics"
    assert cell["inputs"]["qsf"] == "data/definitions/programmes.qsf"
    assert (
        "read_qualtrics('data/programmes.csv', qsf='data/definitions/programmes.qsf', "
        "drop_previews=True, drop_unfinished=False)"
    ) in cell["source"]


async def test_a_qualtrics_cell_added_from_the_template_list_gets_the_survey_definition(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await upload(editor, world, "programmes.csv", programme_export())
        await upload(editor, world, "programmes.qsf", programme_qsf(), folder="definitions")
        form = {"after": world.cell_id, "template_id": template_id("load-qualtrics")}
        left_blank = await editor.post(
            f"/notebooks/{world.notebook_id}/add",
            data={**form, "in.file": "data/programmes.csv", "in.qsf": "", "in.target": "df"},
        )
        cell = (await cells_of(editor, world.notebook_id))[1]
        # Cleared afterwards, it stays cleared: the offer is made once, when the cell is added.
        cleared = await editor.post(
            f"/cells/{cell['id']}/inputs",
            data={"in.file": "data/programmes.csv", "in.qsf": "", "in.target": "df"},
        )
        after_clearing = (await cells_of(editor, world.notebook_id))[1]

    assert left_blank.status_code == 303
    assert cell["inputs"]["qsf"] == "data/definitions/programmes.qsf"
    assert "qsf='data/definitions/programmes.qsf'" in cell["source"]
    assert cleared.status_code == 303
    assert after_clearing["inputs"].get("qsf") is None
    assert "qsf=" not in after_clearing["source"]


async def test_a_definition_of_another_survey_is_not_offered(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    other = write_qsf(tmp_path / "habits.qsf").read_bytes()
    async with world.editor.client(app) as editor:
        await upload(editor, world, "programmes.csv", programme_export())
        await upload(editor, world, "habits.qsf", other)
        file_id = (await file_ids(editor, world))["programmes.csv"]
        page = (await editor.get(f"/files/{file_id}")).text
        await editor.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
        cell = (await cells_of(editor, world.notebook_id))[-1]

    assert "none in this project; upload its <code>.qsf</code>" in page
    assert cell["inputs"]["qsf"] is None
    assert "qsf=" not in cell["source"]


async def test_use_in_notebook_loads_a_stata_file_with_its_labels(
    app: FastAPI, world: World, tmp_path: Path
) -> None:
    pyreadstat.write_dta(
        pd.DataFrame({"faculty": [1, 2]}),
        str(tmp_path / "study.dta"),
        variable_value_labels={"faculty": {1: "Psychology", 2: "Sociology"}},
    )
    async with world.editor.client(app) as editor:
        await upload(editor, world, "study.dta", (tmp_path / "study.dta").read_bytes())
        file_id = (await file_ids(editor, world))["study.dta"]
        page = (await editor.get(f"/files/{file_id}")).text
        await editor.post(f"/files/{file_id}/use", data={"notebook": world.notebook_id})
        cell = (await cells_of(editor, world.notebook_id))[-1]

    assert "1 = Psychology" in page
    assert cell["template"]["slug"] == "load-stata"
    assert "read_stata('data/study.dta', labels=True)" in cell["source"]


@pytest.mark.parametrize(
    "payload",
    [
        {"QuestionID": "QID1", "QuestionType": "MC", "Choices": "oops"},
        {"QuestionID": "QID1", "QuestionType": "MC", "Choices": {"1": {}}, "ChoiceOrder": 7},
        {"QuestionID": "QID1", "QuestionType": "MC", "ChoiceOrder": [{"x": 1}], "Choices": {}},
        {"QuestionID": "QID1", "QuestionType": "MC", "Choices": ["x"], "RecodeValues": 5},
    ],
)
async def test_a_survey_definition_with_damaged_questions_is_stored_and_shown(
    app: FastAPI, world: World, payload: dict[str, object]
) -> None:
    broken = {
        "SurveyEntry": {"SurveyID": "SV_1", "SurveyName": "Broken"},
        "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": payload}],
    }
    async with world.editor.client(app) as editor:
        await upload(editor, world, "programmes.csv", programme_export())
        stored = await upload(editor, world, "broken.qsf", json.dumps(broken).encode())
        ids = await file_ids(editor, world)
        export_page = await editor.get(f"/files/{ids['programmes.csv']}")
        definition = (await editor.get(f"/api/v1/files/{ids['broken.qsf']}")).json()

    assert stored.status_code == 303, stored.text
    assert export_page.status_code == 200
    # What could be read is kept: the question, without the labels that were damaged.
    [question] = definition["metadata"]["questions"]
    assert question["question_id"] == "QID1"


def test_the_left_out_sentence_says_when_it_counts_only_the_first_rows() -> None:
    counted = {"qualtrics": {"responses": {"total": 20000, "preview": 3, "test": 1}}}
    whole = {**counted, "profile": {"exact": True}}
    first = {**counted, "profile": {"exact": False}}

    assert left_out_summary(whole) == (
        "The import cell leaves out 3 survey previews and 1 test response."
    )
    assert left_out_summary(first) == (
        "Of the first 20,000 responses, the import cell leaves out 3 survey previews and "
        "1 test response."
    )
