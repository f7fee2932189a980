"""What a template form offers for its `dataframe` and `column` inputs: the tables that earlier
cells define (no kernel needed), and the columns of the chosen table while the notebook's
kernel runs (asked silently: the user's execution count and namespace stay as they were)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi import FastAPI

from tests.support.cells import add_cell, add_template_cell, template_id
from tests.support.column_pickers import RANGED, add_own_cell, choices, origin_of, warnings_of
from tests.support.world import World, build_world

HTMX = {"HX-Request": "true"}
MAKE_TABLES = """import pandas as pd
survey = pd.DataFrame({
    "age": [30, 41, 25],
    "wellbeing 1": [4, 5, 2],
    "<group>": ["a", "b", "a"],
    "programme": pd.Categorical(["psy", "soc", "psy"]),
    "q_belong": [1.5, 3.0, 5.0],
    "when": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
    "done": [True, False, True],
})
survey.attrs["datadive"] = {"source": "data/survey.csv", "columns": {
    "wellbeing 1": {
        "label": "How well do you feel?",
        "measurement": "ordinal",
        "value_labels": [{"value": 1, "label": "Bad"}, {"value": 7, "label": "Great"}],
    },
    "q_belong": {"label": "I feel I belong here", "measurement": "scale", "value_labels": None},
    "age": {"label": None, "measurement": "not a level"},
}}
note = "not a table"
print(sorted(name for name in dir() if not name.startswith("_")))
"""
NAMES = 'print(sorted(name for name in dir() if not name.startswith("_")))'


def options_of(html: str, field_id: str) -> list[str]:
    select = re.search(rf'<select id="{field_id}".*?</select>', html, re.S)
    assert select is not None, field_id
    return re.findall(r'<option value="([^"]+)"', select.group(0))


async def test_dataframe_inputs_offer_the_tables_of_earlier_cells(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await add_template_cell(editor, nb, "load-csv", file="data/a.csv", target="survey")
        await add_cell(editor, nb, "code", "import pandas as pd\nextra = pd.DataFrame()")
        histogram = await add_template_cell(editor, nb, "histogram", data="survey", column="age")
        await add_template_cell(editor, nb, "load-csv", file="data/b.csv", target="later")

        page = await editor.get(f"/notebooks/{nb}")
        fragment = await editor.get(f"/cells/{histogram['id']}", headers=HTMX)
        columns = await editor.get(f"/notebooks/{nb}/columns", params={"table": "survey"})
        status = await app.state.backend.status(world.project_id)

    for html in (page.text, fragment.text):
        assert options_of(html, f"cell-{histogram['id']}-in-data") == ["survey", "extra"]
    column = re.search(rf'<input id="cell-{histogram["id"]}-in-column"[^>]*>', page.text)
    assert column is not None
    # A text box (the form works without scripts) that js/column-picker.js makes a picker.
    assert 'type="text" value="age"' in column.group(0)
    assert "data-column-picker" in column.group(0)
    url = f"/notebooks/{nb}/columns?cell={histogram['id']}"
    assert f'data-columns-url="{url}"' in column.group(0)
    assert f'data-table-field="cell-{histogram["id"]}-in-data"' in column.group(0)
    # No kernel and no file: no columns, and asking started nothing.
    assert columns.status_code == 200
    assert "<option" not in columns.text
    assert status.running is False


async def test_the_add_cell_form_offers_tables_up_to_where_it_goes(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        first = await add_template_cell(editor, nb, "load-csv", file="a.csv", target="first")
        await add_template_cell(editor, nb, "load-csv", file="b.csv", target="second")
        form = await editor.get(
            f"/notebooks/{nb}/add",
            params={"after": first["id"], "template": template_id("scale-score")},
        )
    assert options_of(form.text, "new-in-data") == ["first", "df"]
    items = re.search(r'<input id="new-in-items"[^>]*>', form.text)
    assert items is not None
    assert 'data-table-field="new-in-data"' in items.group(0)
    assert "data-many" in items.group(0)
    first_id = first["id"]
    assert (
        f'data-columns-url="/notebooks/{nb}/columns?after={first_id}&amp;template='
        in items.group(0)
    )


@pytest.mark.slow
async def test_columns_come_from_the_running_kernel_without_a_trace(app: FastAPI) -> None:
    """Labels and levels from `df.attrs["datadive"]` (set here by plain pandas code, as
    Datadive's readers do), levels guessed from dtypes otherwise; the refusal of unknown
    columns and the range warnings use the same answer."""
    world: World = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        setup = await add_cell(editor, nb, "code", MAKE_TABLES)
        ran = (
            await editor.post(f"/api/v1/cells/{setup['id']}/execute", params={"wait": 90})
        ).json()
        assert ran["status"] == "ok", ran
        histogram = await add_template_cell(editor, nb, "histogram", data="survey", column="age")
        reverse = await add_own_cell(editor, nb, RANGED, data="survey", column="wellbeing 1")

        url = f"/notebooks/{nb}/columns"
        survey = await editor.get(url, params={"cell": histogram["id"], "table": "survey"})
        ordinal = await editor.get(
            url, params={"cell": histogram["id"], "table": "survey", "levels": "ordinal"}
        )
        note = await editor.get(url, params={"cell": histogram["id"], "table": "note"})
        refused = await viewer.get(url, params={"cell": histogram["id"], "table": "survey"})
        typo = await editor.post(
            f"/cells/{histogram['id']}/inputs",
            data={"in.data": "survey", "in.column": "q_belon"},
            headers=HTMX,
        )
        warned = await editor.get(
            f"/notebooks/{nb}/form-checks",
            params={
                "cell": reverse["id"],
                "in.data": "survey",
                "in.column": "wellbeing 1",
                "in.scale_min": "1",
                "in.scale_max": "100",
            },
        )

        check = await add_cell(editor, nb, "code", NAMES)
        again = (
            await editor.post(f"/api/v1/cells/{check['id']}/execute", params={"wait": 60})
        ).json()

    assert origin_of(survey) == "kernel"
    assert choices(survey) == [
        ("age", "", "scale"),
        ("wellbeing 1", "How well do you feel?", "ordinal"),
        ("<group>", "", "nominal"),
        ("programme", "", "nominal"),
        ("q_belong", "I feel I belong here", "scale"),
        ("when", "", "scale"),
        ("done", "", "nominal"),
    ]
    assert choices(ordinal) == [("wellbeing 1", "How well do you feel?", "ordinal")]
    assert choices(note) == []
    assert refused.status_code == 403
    assert typo.status_code == 422
    message = "There is no column 'q_belon' in survey. Did you mean 'q_belong'?"
    assert message in unescape(typo.text)
    # The data run from 2 to 5; the value labels from 1 to 7.
    assert warnings_of(warned) == {
        "scale_max": "Highest answer is 100, but wellbeing 1 in survey holds values from 1 "
        "to 7 only."
    }
    # Asking left no trace: the next cell is execution 2 and sees the same names.
    [first] = ran["cells"]
    [second] = again["cells"]
    assert (first["execution_count"], second["execution_count"]) == (1, 2)
    assert first["outputs"][0]["text"] == second["outputs"][0]["text"]
    assert "survey" in first["outputs"][0]["text"]


def file_choices_of(html: str, field_id: str) -> list[str]:
    found = re.search(rf'<datalist id="{field_id}-files">(.*?)</datalist>', html, re.S)
    assert found is not None, field_id
    return re.findall(r'<option value="([^"]*)">', found.group(1))


@pytest.mark.slow
async def test_a_cell_that_ran_can_be_applied_again_though_it_changed_the_kernels_table(
    app: FastAPI,
) -> None:
    """A rename that ran took `q1` out of the kernel's `df`: its own form, applied again,
    still names `q1` and must not be refused for it."""
    world: World = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await add_cell(editor, nb, "code", "import pandas as pd\ndf = pd.DataFrame({'q1': [1, 2]})")
        rename = await add_template_cell(editor, nb, "rename-column", column="q1", new_name="sat")
        ran = (await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})).json()
        again = await editor.post(
            f"/cells/{rename['id']}/inputs",
            data={"in.data": "df", "in.column": "q1", "in.new_name": "satisfaction"},
            headers=HTMX,
        )
        typo = await editor.post(
            f"/cells/{rename['id']}/inputs",
            data={"in.data": "df", "in.column": "q9", "in.new_name": "satisfaction"},
            headers=HTMX,
        )

    assert ran["status"] == "ok", ran
    assert again.status_code == 200, unescape(again.text)
    assert "'satisfaction'" in unescape(again.text)
    # What the kernel holds is no longer certain for this cell: nothing is refused.
    assert typo.status_code == 200


async def test_file_inputs_offer_the_project_files_they_accept(app: FastAPI) -> None:
    world = await build_world(app)
    nb, project = world.notebook_id, world.project_id
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        for name, body in (
            ("survey.csv", b"a,b\n1,2\n"),
            ("raw/wave 2.csv", b"a\n1\n"),
            ("notes.txt", b"hello\n"),
            ("book.xlsx", b"not really"),
        ):
            folder, _, filename = name.rpartition("/")
            uploaded = await editor.post(
                f"/api/v1/projects/{project}/files",
                files={"file": (filename, body, "text/plain")},
                data={"path": name} if folder else None,
            )
            assert uploaded.status_code in {201, 415}, uploaded.text
        paths = {
            item["kernel_path"]
            for item in (await editor.get(f"/api/v1/projects/{project}/files")).json()["items"]
        }
        cell = await add_template_cell(editor, nb, "load-csv", file="data/survey.csv")
        page = await editor.get(f"/notebooks/{nb}")
        fragment = await editor.get(f"/cells/{cell['id']}", headers=HTMX)
        add_form = await editor.get(
            f"/notebooks/{nb}/add",
            params={"after": cell["id"], "template": template_id("load-csv")},
        )
        read_only = await viewer.get(f"/notebooks/{nb}")

    assert {"data/survey.csv", "data/raw/wave 2.csv", "data/notes.txt"} <= paths
    expected = ["data/notes.txt", "data/raw/wave 2.csv", "data/survey.csv"]
    for html, field_id in (
        (page.text, f"cell-{cell['id']}-in-file"),
        (fragment.text, f"cell-{cell['id']}-in-file"),
        (add_form.text, "new-in-file"),
    ):
        # Only what the template accepts (.csv, .tsv, .txt), as the kernel opens it.
        assert file_choices_of(html, field_id) == expected
        control = re.search(rf'<input id="{field_id}"[^>]*>', html)
        assert control is not None
        assert f'list="{field_id}-files"' in control.group(0)
        # Still a text box: any path inside the project can be typed.
        assert 'type="text"' in control.group(0)
    assert 'value="data/survey.csv"' in page.text
    assert '-files">' not in read_only.text


async def test_a_file_path_outside_the_project_is_refused_by_the_form(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        cell = await add_template_cell(editor, nb, "load-csv", file="data/survey.csv")
        answer = await editor.post(
            f"/cells/{cell['id']}/inputs",
            data={"in.file": "../../etc/passwd.csv", "in.target": "df"},
            headers=HTMX,
        )
        saved = (await editor.get(f"/api/v1/cells/{cell['id']}")).json()

    assert answer.status_code == 422
    assert "inside the project" in answer.text
    assert saved["inputs"]["file"] == "data/survey.csv"
