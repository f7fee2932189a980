"""Column pickers before anything ran: the columns of a table come from the profile of the
file its import cell reads (with question texts and levels from a `.qsf`), filtered by the
levels the input accepts; an unknown column is refused with the closest match; a number
outside the data is warned about. No kernel runs in these tests, and none is started."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from datadive.services.columns.column_sources import FormColumn, TableColumns
from datadive.web.column_forms import offered
from tests.files.survey_files import write_export, write_qsf
from tests.support.cells import add_cell, add_template_cell, template_id
from tests.support.column_pickers import (
    RANGED,
    add_own_cell,
    choices,
    origin_of,
    upload,
    warnings_of,
)
from tests.support.world import World, build_world

HTMX = {"HX-Request": "true"}
SURVEY = b"id,group,belonging,wellbeing,item1,item2\n1,a,4.5,3,1,5\n2,b,3.0,4,2,4\n3,a,5.0,5,5,1\n"
NUMBERS = ["id", "belonging", "wellbeing", "item1", "item2"]

COMPARE: dict[str, Any] = {
    "slug": "compare-means",
    "title": "Compare means",
    "category": "Test",
    "inputs": [
        {"name": "data", "type": "dataframe", "default": "df", "required": True},
        {"name": "outcome", "type": "column", "of": "data", "levels": ["scale"]},
        {"name": "group", "type": "column", "of": "data", "levels": ["nominal", "binary"]},
    ],
    "code": "{{ data }}.groupby({{ group }})[{{ outcome }}].mean()",
}
LOAD_SURVEY: dict[str, Any] = {
    "slug": "load-survey",
    "title": "Load a survey with its definition",
    "category": "Import",
    "inputs": [
        {"name": "file", "type": "file", "accept": [".csv"], "required": True},
        {"name": "survey", "type": "file", "accept": [".qsf"]},
        {"name": "target", "type": "identifier", "default": "df", "required": True},
    ],
    "outputs": [{"name": "target"}],
    "code": "import pandas as pd\n{{ target }} = pd.read_csv({{ file }}, skiprows=[1, 2])\n"
    "{{ target }}.attrs['survey'] = {{ survey }}",
}


async def survey_notebook(world: World, client: httpx.AsyncClient) -> dict[str, Any]:
    """survey.csv uploaded and loaded into `df` by the notebook's first cell."""
    await client.delete(f"/api/v1/cells/{world.cell_id}")
    await upload(client, world.project_id, "survey.csv", SURVEY)
    return await add_template_cell(client, world.notebook_id, "load-csv", file="data/survey.csv")


async def test_pickers_offer_the_file_profiles_columns_of_the_levels_they_accept(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        load = await survey_notebook(world, editor)
        compare = await add_own_cell(editor, nb, COMPARE, outcome="belonging", group="group")
        url = f"/notebooks/{nb}/columns"
        at_cell = {"cell": compare["id"], "table": "df"}
        scale = await editor.get(url, params={**at_cell, "levels": "scale"})
        groups = await editor.get(url, params={**at_cell, "levels": "nominal binary"})
        every = await editor.get(url, params=at_cell)
        # The add-cell form: a new cell after the import sees the same; one before it nothing.
        after_load = await editor.get(url, params={"after": load["id"], "table": "df"})
        first = await editor.get(url, params={"after": "", "table": "df"})
        other_table = await editor.get(url, params={**at_cell, "table": "scores"})
        wrong_cell = await editor.get(url, params={"cell": "nope", "table": "df"})
        page = await editor.get(f"/notebooks/{nb}")
        status = await app.state.backend.status(world.project_id)

    assert [name for name, _, _ in choices(scale)] == NUMBERS
    assert {level for _, _, level in choices(scale)} == {"scale"}
    assert choices(groups) == [("group", "", "nominal")]
    assert [name for name, _, _ in choices(every)] == ["id", "group", *NUMBERS[1:]]
    assert origin_of(every) == "survey.csv"
    assert choices(after_load) == choices(every)
    assert (choices(first), origin_of(first)) == ([], "")
    assert choices(other_table) == []
    assert wrong_cell.status_code == 422
    # The form says what to ask for; nothing was started to answer.
    outcome = re.search(rf'<input id="cell-{compare["id"]}-in-outcome"[^>]*>', page.text)
    assert outcome is not None
    assert 'data-levels="scale"' in outcome.group(0)
    assert "data-column-picker" in outcome.group(0)
    assert f'data-columns-url="/notebooks/{nb}/columns?cell={compare["id"]}"' in outcome.group(0)
    assert 'data-levels="nominal binary"' in page.text
    assert status.running is False


def test_columns_of_unknown_level_are_always_offered() -> None:
    found = TableColumns(
        "df",
        (FormColumn("age", level="scale"), FormColumn("notes"), FormColumn("sex", level="nominal")),
        "kernel",
        certain=True,
    )
    assert [c.name for c in offered(found, ["scale"])] == ["age", "notes"]
    assert [c.name for c in offered(found, [])] == ["age", "notes", "sex"]
    assert offered(None, ["scale"]) == []


async def test_a_qsf_named_by_the_import_gives_question_texts_and_levels(
    app: FastAPI, tmp_path: Path
) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    export = write_export(tmp_path / "habits.csv").read_bytes()
    # The export's header leaves out one question text: only the .qsf has it.
    export = export.replace(b"Anything else?", b"", 1)
    qsf = write_qsf(tmp_path / "habits.qsf").read_bytes()
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await upload(editor, world.project_id, "habits.csv", export)
        await upload(editor, world.project_id, "habits.qsf", qsf)
        await add_own_cell(
            editor, nb, LOAD_SURVEY, file="data/habits.csv", survey="data/habits.qsf"
        )
        with_qsf = await add_template_cell(editor, nb, "frequency-table", column="Q2")
        await add_own_cell(editor, nb, LOAD_SURVEY, file="data/habits.csv", target="plain")
        without = await add_template_cell(editor, nb, "frequency-table", data="plain", column="Q2")
        url = f"/notebooks/{nb}/columns"
        labelled = await editor.get(url, params={"cell": with_qsf["id"], "table": "df"})
        plain = await editor.get(url, params={"cell": without["id"], "table": "plain"})
        ordinal = await editor.get(
            url, params={"cell": with_qsf["id"], "table": "df", "levels": "ordinal"}
        )

    by_name = {name: (label, level) for name, label, level in choices(labelled)}
    assert by_name["Q7"] == ("Anything else?", "nominal")
    assert by_name["Q4_1"] == (
        "How much do you agree?\nPlease be honest. - I sleep well",
        "ordinal",
    )
    assert by_name["Q6_1"][1] == "scale"
    plain_by_name = {name: (label, level) for name, label, level in choices(plain)}
    assert plain_by_name["Q7"] == ("", "nominal")
    assert plain_by_name["Q4_1"][1] == "scale"  # from the data type alone
    # Only Likert items (and columns whose level nobody knows) for an ordinal input.
    assert {name for name, _, _ in choices(ordinal)} == {"Q4_1", "Q4_2"}


def refusal(answer: httpx.Response, field: str) -> str:
    found = re.search(
        rf'<p class="field-error" id="cell-[^"]*-in-{field}-error">(.*?)</p>', answer.text, re.S
    )
    assert found is not None, answer.text
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("⚠ ", "").strip()


async def test_an_unknown_column_is_refused_naming_the_closest_match(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await survey_notebook(world, editor)
        histogram = await add_template_cell(editor, nb, "histogram", column="belonging")
        scores = await add_template_cell(editor, nb, "scale-score", items=["item1", "item2"])
        typo = await editor.post(
            f"/cells/{histogram['id']}/inputs",
            data={"in.data": "df", "in.column": "belongin"},
            headers=HTMX,
        )
        nothing_close = await editor.post(
            f"/cells/{histogram['id']}/inputs",
            data={"in.data": "df", "in.column": "xyz"},
            headers=HTMX,
        )
        # The picker sends one value per column, after an empty one.
        many = await editor.post(
            f"/cells/{scores['id']}/inputs",
            content="in.data=df&in.items=&in.items=ITEM1&in.items=itme2&in.new_column=score",
            headers={**HTMX, "Content-Type": "application/x-www-form-urlencoded"},
        )
        saved = (await editor.get(f"/api/v1/cells/{histogram['id']}")).json()
        right = await editor.post(
            f"/cells/{scores['id']}/inputs",
            data={"in.data": "df", "in.items": "item2, item1", "in.new_column": "score"},
            headers=HTMX,
        )
        reordered = (await editor.get(f"/api/v1/cells/{scores['id']}")).json()

    assert typo.status_code == 422
    assert (
        refusal(typo, "column") == "There is no column 'belongin' in df. Did you mean 'belonging'?"
    )
    assert refusal(nothing_close, "column") == "There is no column 'xyz' in df."
    assert refusal(many, "items") == (
        "There is no column 'ITEM1' in df. Did you mean 'item1'? "
        "There is no column 'itme2' in df. Did you mean 'item2'?"
    )
    # What the user typed comes back in the form, and nothing was saved.
    assert 'value="ITEM1, itme2"' in many.text
    assert saved["inputs"]["column"] == "belonging"
    # Applied: htmx gets the cell back, with the code made from the form.
    assert right.status_code == 200
    assert reordered["inputs"]["items"] == ["item2", "item1"]
    assert "df[['item2', 'item1']]" in reordered["source"]


async def test_the_add_cell_form_refuses_an_unknown_column_too(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        load = await survey_notebook(world, editor)
        form = {"after": load["id"], "template_id": template_id("histogram"), "in.data": "df"}
        typo = await editor.post(f"/notebooks/{nb}/add", data={**form, "in.column": "Wellbeing"})
        first = await editor.post(
            f"/notebooks/{nb}/add", data={**form, "after": "", "in.column": "Wellbeing"}
        )
        right = await editor.post(f"/notebooks/{nb}/add", data={**form, "in.column": "wellbeing"})
        listed = (await editor.get(f"/api/v1/notebooks/{nb}/cells")).json()

    assert typo.status_code == 422
    message = "There is no column 'Wellbeing' in df. Did you mean 'wellbeing'?"
    assert message in html.unescape(typo.text)
    assert 'value="Wellbeing"' in typo.text
    # First in the notebook, before the import: nothing defines df there, nothing is known.
    assert first.status_code == 303
    assert right.status_code == 303
    assert [cell["inputs"].get("column") for cell in listed] == ["Wellbeing", None, "wellbeing"]


async def test_columns_that_cannot_be_known_are_not_refused(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await survey_notebook(world, editor)
        # A code cell may add columns the file does not have.
        await add_cell(editor, nb, "code", 'df["total"] = df["item1"] + df["item2"]')
        after_code = await add_template_cell(editor, nb, "histogram", column="item1")
        # A table read from a file that is not in the project.
        await add_template_cell(editor, nb, "load-csv", file="data/elsewhere.csv", target="far")
        far = await add_template_cell(editor, nb, "histogram", data="far", column="item1")
        # A table no cell defines.
        nowhere = await add_template_cell(editor, nb, "histogram", data="ghost", column="x")
        answers = [
            await editor.post(f"/cells/{cell}/inputs", data=data, headers=HTMX)
            for cell, data in (
                (after_code["id"], {"in.data": "df", "in.column": "total"}),
                (far["id"], {"in.data": "far", "in.column": "anything"}),
                (nowhere["id"], {"in.data": "ghost", "in.column": "whatever"}),
            )
        ]
        offered_after_code = await editor.get(
            f"/notebooks/{nb}/columns", params={"cell": after_code["id"], "table": "df"}
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    codes = [html.unescape(answer.text) for answer in answers]
    assert ["histogram(df, 'total'" in codes[0], "histogram(far, 'anything'" in codes[1]] == [
        True,
        True,
    ]
    # The file's columns are still offered there.
    assert "item1" in [name for name, _, _ in choices(offered_after_code)]


async def test_a_number_outside_the_data_is_warned_about_not_refused(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await survey_notebook(world, editor)
        cell = await add_own_cell(editor, nb, RANGED, column="item1")
        await add_template_cell(editor, nb, "load-csv", file="data/elsewhere.csv", target="far")
        unknown = await add_own_cell(editor, nb, RANGED, data="far", column="item1")
        checks = f"/notebooks/{nb}/form-checks"
        form = {"cell": cell["id"], "in.data": "df", "in.column": "item1", "in.scale_min": "1"}
        too_high = await editor.get(checks, params={**form, "in.scale_max": "100"})
        too_low = await editor.get(
            checks, params={**form, "in.scale_min": "0", "in.scale_max": "4"}
        )
        fine = await editor.get(checks, params={**form, "in.scale_max": "5"})
        elsewhere = await editor.get(
            checks,
            params={
                "cell": unknown["id"],
                "in.data": "far",
                "in.column": "item1",
                "in.scale_max": "100",
            },
        )
        # A new cell of the add-cell form, after the import.
        adding = await editor.get(
            checks,
            params={
                "after": cell["id"],
                "template": cell["template"]["id"],
                **{k: v for k, v in form.items() if k != "cell"},
                "in.scale_max": "100",
            },
        )
        applied = await editor.post(
            f"/cells/{cell['id']}/inputs",
            data={
                "in.data": "df",
                "in.column": "item1",
                "in.scale_min": "1",
                "in.scale_max": "100",
            },
            headers=HTMX,
        )
        page = await editor.get(f"/notebooks/{nb}")

    high = "Highest answer is 100, but item1 in df holds values from 1 to 5 only."
    assert warnings_of(too_high) == {"scale_max": high}
    assert warnings_of(too_low) == {
        "scale_min": "Lowest answer is 0, but item1 in df holds values from 1 to 5 only.",
    }
    assert warnings_of(fine) == {}
    assert warnings_of(elsewhere) == {}
    assert warnings_of(adding) == {"scale_max": high}
    # A warning, not a refusal: the form applies.
    assert applied.status_code == 200
    assert "(1 + 100)" in applied.text
    # The field has a place for the warning, announced with it.
    field_id = f"cell-{cell['id']}-in-scale_max"
    control = re.search(rf'<input id="{field_id}"[^>]*>', page.text)
    assert control is not None
    assert f'aria-describedby="{field_id}-warning"' in control.group(0)
    assert f'data-checks-url="/notebooks/{nb}/form-checks?cell={cell["id"]}"' in control.group(0)
    assert f'<p class="field-warning" id="{field_id}-warning" aria-live="polite"></p>' in page.text
