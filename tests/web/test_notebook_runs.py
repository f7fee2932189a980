"""Running from the workspace runs what the page shows: code typed and run at once, a template
form changed and run without Apply first. On a real Jupyter kernel."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.cells import add_cell, add_cell_of_template
from tests.support.pages import status_of
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow
HTMX = {"HX-Request": "true"}
SAY = {
    "slug": "say",
    "title": "Say something",
    "category": "Prepare",
    "inputs": [{"name": "words", "type": "text", "required": True}],
    "code": "print({{ words }})",
}


@pytest.fixture
async def world(app: FastAPI) -> World:
    built = await build_world(app)
    async with built.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{built.cell_id}")
    return built


async def finished(client: httpx.AsyncClient, cell_id: str) -> dict[str, Any]:
    """The cell once a run has ended it (it was queued by the page)."""
    for _ in range(600):
        cell: dict[str, Any] = (await client.get(f"/api/v1/cells/{cell_id}")).json()
        if cell["status"] in {"ok", "error"} and cell["execution_count"]:
            return cell
        await asyncio.sleep(0.1)
    pytest.fail(f"cell {cell_id} never finished")


def printed(cell: dict[str, Any]) -> str:
    return "".join(o.get("text", "") for o in cell["outputs"] if o["output_type"] == "stream")


async def test_run_sends_the_code_on_screen_and_that_code_runs(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        saved = await add_cell(editor, world.notebook_id, "code", "print('saved before')")
        new = await add_cell(editor, world.notebook_id, "code", "")
        ran_edited = await editor.post(
            f"/cells/{saved['id']}/run", data={"source": "print('typed just now')"}, headers=HTMX
        )
        edited = await finished(editor, saved["id"])
        ran_new = await editor.post(
            f"/cells/{new['id']}/run", data={"source": "print('a new cell')"}, headers=HTMX
        )
        fresh = await finished(editor, new["id"])

    assert (ran_edited.status_code, ran_new.status_code) == (204, 204)
    assert printed(edited) == "typed just now\n"
    assert edited["source"] == "print('typed just now')"
    assert printed(fresh) == "a new cell\n"


async def test_run_applies_a_changed_form_first_and_shows_the_code_that_ran(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        template = (await editor.post("/api/v1/cell-templates", json=SAY)).json()
        cell = await add_cell_of_template(editor, world.notebook_id, template["id"], words="old")
        answer = await editor.post(
            f"/cells/{cell['id']}/inputs", data={"in.words": "new", "then": "run"}, headers=HTMX
        )
        ran = await finished(editor, cell["id"])
        again = await editor.post(
            f"/cells/{cell['id']}/inputs", data={"in.words": "new", "then": "run"}, headers=HTMX
        )

    assert answer.status_code == 200
    # The answer is the cell as it is now: its code view shows the code that runs.
    assert "print(&#39;new&#39;)" in answer.text or "print('new')" in answer.text
    assert "Applied" in answer.headers["HX-Trigger"]
    assert printed(ran) == "new\n"
    # Nothing changed the second time: nothing is said to be applied.
    assert "Applied" not in again.headers["HX-Trigger"]
    assert "queued" in again.headers["HX-Trigger"]


async def test_interrupted_and_restarted_cells_say_so(app: FastAPI, world: World) -> None:
    nb = world.notebook_id
    async with world.editor.client(app) as editor:
        setup = await add_cell(editor, nb, "code", "x = 1")
        loop = await add_cell(editor, nb, "code", "import time\nwhile True:\n    time.sleep(0.01)")
        await editor.post(f"/notebooks/{nb}/run", headers=HTMX)
        for _ in range(600):
            if (await editor.get(f"/api/v1/cells/{loop['id']}")).json()["status"] == "running":
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        interrupted = await editor.post(f"/notebooks/{nb}/kernel/interrupt", headers=HTMX)
        await finished(editor, loop["id"])
        after_interrupt = (await editor.get(f"/notebooks/{nb}")).text
        restarted = await editor.post(f"/notebooks/{nb}/kernel/restart", headers=HTMX)
        after_restart = (await editor.get(f"/notebooks/{nb}")).text

    assert "The kernel was interrupted." in interrupted.headers["HX-Trigger"]
    assert status_of(after_interrupt, setup["id"]).startswith("Ok [1]")
    assert status_of(after_interrupt, loop["id"]).startswith("Interrupted [2]")
    assert "The kernel was restarted." in restarted.headers["HX-Trigger"]
    for cell in (setup, loop):
        assert status_of(after_restart, cell["id"]).startswith("Not run since restart"), cell
