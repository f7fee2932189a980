"""Deleting cells and moving them by drag and drop from the workspace: the same services as
DELETE /api/v1/cells/{id} and POST /api/v1/cells/{id}/move, refused to viewers, and a refused
move changes nothing."""

from __future__ import annotations

import json
import re

import httpx
from fastapi import FastAPI

from tests.support.cells import add_cell, cell_ids
from tests.support.world import World, build_world

HTMX = {"HX-Request": "true"}


def toast(response: httpx.Response) -> str:
    message: str = json.loads(response.headers["HX-Trigger"])["datadive:toast"]["message"]
    return message


def titles(html: str) -> list[str]:
    return re.findall(r'<span class="cell-number">\d+\.</span> ([^<]+)</h3>', html)


async def three_cells(app: FastAPI, world: World) -> list[str]:
    """Descriptive statistics (the world's cell), a code cell, a text cell."""
    async with world.editor.client(app) as editor:
        await add_cell(editor, world.notebook_id, "code", "a = 1")
        await add_cell(editor, world.notebook_id, "markdown", "# Notes")
        return await cell_ids(editor, world.notebook_id)


async def test_an_editor_deletes_a_cell_after_confirming(app: FastAPI) -> None:
    world = await build_world(app)
    first, code, text = await three_cells(app, world)
    async with world.editor.client(app) as editor:
        page = await editor.get(f"/notebooks/{world.notebook_id}")
        confirm = re.search(
            rf'<summary>Delete<span class="visually-hidden"> cell 2</span></summary>\s*'
            rf'<form [^>]*action="/cells/{code}/delete".*?</form>',
            page.text,
            re.S,
        )
        assert confirm is not None
        assert "Delete cell 2 with its code and outputs?" in confirm.group(0)

        deleted = await editor.post(f"/cells/{code}/delete", headers=HTMX)
        assert deleted.status_code == 200
        assert toast(deleted) == "Cell 2 was deleted."
        assert titles(deleted.text) == ["Descriptive statistics", "Text cell"]
        # The focus goes to the cell that took its place.
        assert f'id="cell-{text}-title" tabindex="-1" data-autofocus' in deleted.text

        # Without scripts: back to the notebook, at that cell.
        plain = await editor.post(f"/cells/{text}/delete")
        assert plain.status_code == 303
        assert plain.headers["location"].endswith(f"/notebooks/{world.notebook_id}#cell-{first}")
        assert await cell_ids(editor, world.notebook_id) == [first]
        gone = await editor.get(f"/api/v1/cells/{code}")
        assert gone.status_code == 404


async def test_viewers_cannot_delete_and_outsiders_do_not_see_the_cell(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer, world.other.client(app) as other:
        page = await viewer.get(f"/notebooks/{world.notebook_id}")
        assert "/delete" not in page.text
        assert "drag-handle" not in page.text
        refused = await viewer.post(f"/cells/{world.cell_id}/delete", headers=HTMX)
        assert refused.status_code == 403
        assert json.loads(refused.headers["HX-Trigger"])["datadive:toast"]["level"] == "error"
        assert (await other.post(f"/cells/{world.cell_id}/delete")).status_code == 404
        assert await cell_ids(viewer, world.notebook_id) == [world.cell_id]


async def test_a_dropped_cell_moves_before_or_after_another(app: FastAPI) -> None:
    world = await build_world(app)
    first, code, text = await three_cells(app, world)
    async with world.editor.client(app) as editor:
        page = await editor.get(f"/notebooks/{world.notebook_id}")
        assert page.text.count('class="drag-handle" draggable="true"') == 3

        dropped = await editor.post(f"/cells/{text}/move", data={"before": first}, headers=HTMX)
        assert dropped.status_code == 200
        assert toast(dropped) == "Cell 3 was moved; it is now cell 1."
        assert titles(dropped.text) == ["Text cell", "Descriptive statistics", "Code cell"]

        after = await editor.post(f"/cells/{text}/move", data={"after": code}, headers=HTMX)
        assert toast(after) == "Cell 1 was moved; it is now cell 3."
        assert await cell_ids(editor, world.notebook_id) == [first, code, text]


async def test_a_refused_drop_changes_nothing(app: FastAPI) -> None:
    world = await build_world(app)
    first, code, text = await three_cells(app, world)
    elsewhere = await build_world(app, prefix="b-")
    async with world.editor.client(app) as editor:
        onto_itself = await editor.post(f"/cells/{code}/move", data={"before": code}, headers=HTMX)
        assert onto_itself.status_code == 422
        assert "is not another cell of this notebook" in toast(onto_itself)
        other_notebook = await editor.post(
            f"/cells/{code}/move", data={"after": elsewhere.cell_id}, headers=HTMX
        )
        assert other_notebook.status_code == 422
        both = await editor.post(f"/cells/{code}/move", data={"before": first, "after": text})
        assert both.status_code == 422
        assert await cell_ids(editor, world.notebook_id) == [first, code, text]
    async with world.viewer.client(app) as viewer:
        refused = await viewer.post(f"/cells/{code}/move", data={"before": first}, headers=HTMX)
        assert refused.status_code == 403
        assert await cell_ids(viewer, world.notebook_id) == [first, code, text]
