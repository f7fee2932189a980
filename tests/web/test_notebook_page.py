"""The notebook workspace page: cells with their status, folded code and outputs rendered on
the server; controls only for the roles that may use them."""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Cell
from tests.support.cells import add_cell, store_outputs
from tests.support.pages import status_of
from tests.support.world import build_world

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


async def test_a_viewer_sees_cells_code_and_outputs_but_no_controls(app: FastAPI) -> None:
    world = await build_world(app)
    await store_outputs(
        app,
        world.cell_id,
        [
            {"output_type": "stream", "name": "stdout", "text": ["mean \x1b[31m4.2\x1b[0m\n"]},
            {
                "output_type": "execute_result",
                "data": {"text/plain": "   a\n0  1"},
                "metadata": {},
                "execution_count": 3,
            },
            {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}},
            {
                "output_type": "error",
                "ename": "KeyError",
                "evalue": "'age'",
                "traceback": ["\x1b[0;31mKeyError\x1b[0m: 'age'"],
            },
        ],
        status="ok",
        execution_count=3,
    )
    async with world.viewer.client(app) as viewer:
        page = await viewer.get(f"/notebooks/{world.notebook_id}")

    assert page.status_code == 200
    html = page.text
    assert re.search(
        r'<h3 class="cell-title"[^>]*><span class="cell-number">1\.</span> '
        r"Descriptive statistics</h3>",
        html,
    )
    assert 'class="cell-status status status-ok"' in html
    assert "[3]" in html
    assert '<details class="cell-code" data-part="code">' in html  # folded
    assert '<pre class="code-view"><code>' in html  # read-only for a template cell
    assert 'mean <span class="ansi-fg-red">4.2</span>' in html
    assert "   a\n0  1" in html
    assert (
        f'<img class="output output-image" src="data:image/png;base64,{PNG}" alt="&lt;Figure&gt;">'
        in html
    )
    assert "KeyError: &#39;age&#39;" in html
    assert '<span class="ansi-fg-red">KeyError</span>' in html
    assert 'data-after="' in html
    for control in ("Run all", "Run from here", "Move up", "Restart the kernel", "+ Code", "Save"):
        assert control not in html, control
    assert f"/api/v1/notebooks/{world.notebook_id}/export?format=py" in html
    assert f'<a href="/projects/{world.project_id}">Pilot study</a>' in html


async def test_an_editor_gets_run_move_and_add_controls(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        page = await editor.get(f"/notebooks/{world.notebook_id}")
        fragment = await editor.get(f"/cells/{world.cell_id}", headers={"HX-Request": "true"})

    for control in ("Run all", "Interrupt", "Restart the kernel", "Run from here", "Move up"):
        assert control in page.text, control
    assert 'name="kind" value="code"' in page.text
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith("{#") is False
    assert f'id="cell-{world.cell_id}"' in fragment.text
    assert "<html" not in fragment.text


async def test_a_changed_cell_and_the_cells_using_it_say_why_they_are_stale(
    app: FastAPI,
) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        first = await add_cell(editor, world.notebook_id, "code", "x = 1")
        second = await add_cell(editor, world.notebook_id, "code", "print(x)")
        async with app.state.database.transaction() as session:
            await session.execute(
                sa.update(Cell).where(Cell.id.in_([first["id"], second["id"]])).values(status="ok")
            )
        edited = await editor.patch(f"/api/v1/cells/{first['id']}", json={"source": "x = 2"})
        assert edited.status_code == 200
        page = await editor.get(f"/notebooks/{world.notebook_id}")
        deleted = await editor.delete(f"/api/v1/cells/{first['id']}")
        assert deleted.status_code == 204
        after_delete = await editor.get(f"/notebooks/{world.notebook_id}")

    # The template cell of the world is cell 1: the edited cell is cell 2, its user cell 3.
    assert status_of(page.text, first["id"]) == "Stale (changed since it ran; run it again)"
    assert status_of(page.text, second["id"]) == "Stale (cell 2 changed; run it again)"
    assert status_of(after_delete.text, second["id"]) == (
        "Stale (a cell it used was deleted; run it again)"
    )
