"""SECURITY.md check 26 through the API: the kernel or the Jupyter server dies in the middle of
a run. The run ends as `error` saying what happened, the notebook and the outputs saved so far
stay, and the next run works. Also what members do in the middle of a run: restart the kernel,
delete the running cell."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.cells import add_cell, run_code
from tests.support.hub import ON_BOTH_BACKENDS
from tests.support.world import World, build_world

pytestmark = [pytest.mark.slow, ON_BOTH_BACKENDS]


@pytest.fixture
async def world(app: FastAPI) -> World:
    built = await build_world(app, tokens=True)
    async with built.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{built.cell_id}")
    return built


async def cell_state(editor: httpx.AsyncClient, cell_id: str) -> dict[str, Any]:
    response = await editor.get(f"/api/v1/cells/{cell_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def printed(cell: dict[str, Any]) -> str:
    return "".join(o.get("text", "") for o in cell["outputs"] if o["output_type"] == "stream")


async def start_printing_cell(
    editor: httpx.AsyncClient, notebook_id: str, *, sleep: int, before: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cell that prints `partial` and sleeps, run alone; returns (cell, run) once the print
    is saved (outputs are saved as they arrive)."""
    source = f"{before}import time\nprint('partial', flush=True)\ntime.sleep({sleep})"
    cell = await add_cell(editor, notebook_id, "code", source)
    run = (await editor.post(f"/api/v1/cells/{cell['id']}/execute")).json()
    for _ in range(300):
        if "partial" in printed(await cell_state(editor, cell["id"])):
            return cell, run
        await asyncio.sleep(0.1)
    pytest.fail("the cell's print was never saved")


async def test_a_kernel_that_exits_mid_run_ends_the_run_and_the_next_run_works(
    app: FastAPI, world: World, via: str
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        setup = await add_cell(editor, nb, "code", "x = 41\nprint('set up')")
        # The pause lets ZeroMQ send the print before the process dies (os._exit does not wait
        # for it, in Datadive or in JupyterLab alike).
        exits = await add_cell(
            editor,
            nb,
            "code",
            "import os, time\nprint('about to exit', flush=True)\ntime.sleep(0.5)\nos._exit(1)",
        )
        later = await add_cell(editor, nb, "code", "'x' in globals()")

        run = await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})
        listed = (await editor.get(f"/api/v1/notebooks/{nb}/cells")).json()
        again = await editor.post(f"/api/v1/cells/{later['id']}/execute", params={"wait": 120})

    assert run.status_code == 200, run.text
    ended = run.json()
    assert ended["status"] == "error"
    assert "Stopped at cell 2" in ended["error"]
    assert "kernel stopped before this cell finished" in ended["error"]
    cells = {cell["id"]: cell for cell in ended["cells"]}
    # Its output stays, but the kernel it ran on is gone: it has not run since the restart.
    assert (cells[setup["id"]]["status"], cells[setup["id"]]["status_reason"]) == (
        "idle",
        "restart",
    )
    assert printed(cells[setup["id"]]) == "set up\n"
    assert cells[exits["id"]]["status"] == "error"
    assert "about to exit" in printed(cells[exits["id"]])
    assert cells[exits["id"]]["outputs"][-1]["ename"] == "KernelDied"
    assert cells[later["id"]]["status"] == "idle"
    assert cells[later["id"]]["outputs"] == []
    assert [cell["id"] for cell in listed] == [setup["id"], exits["id"], later["id"]]
    # The next run goes to the kernel Jupyter restarted: it works, and the variables are gone.
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "ok", again.json()
    assert again.json()["cells"][0]["outputs"][0]["data"]["text/plain"] == "False"


async def test_a_jupyter_server_killed_mid_run_ends_the_run_and_the_next_run_works(
    app: FastAPI, world: World, via: str, kill_server: Callable[[str], None]
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        slow, run = await start_printing_cell(editor, nb, sleep=60)

        kill_server(world.project_id)
        ended = (await editor.get(f"/api/v1/runs/{run['id']}", params={"wait": 60})).json()
        after_kill = await cell_state(editor, slow["id"])

        again = await run_code(editor, nb, "6 * 7")
        status = (await editor.get(f"/api/v1/projects/{world.project_id}/server")).json()

    assert ended["status"] == "error"
    assert "connection to the Jupyter server was lost" in ended["error"]
    assert after_kill["status"] == "error"
    assert "partial" in printed(after_kill)
    assert again["outputs"][0]["data"]["text/plain"] == "42"
    assert status["running"] is True


async def test_a_kernel_restarted_in_the_middle_of_a_cell_says_so_and_the_next_run_works(
    app: FastAPI, world: World, via: str
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        _, run = await start_printing_cell(editor, nb, sleep=60, before="x = 1\n")

        restart = await editor.post(
            f"/api/v1/projects/{world.project_id}/kernel/restart", json={"notebook_id": nb}
        )
        ended = (await editor.get(f"/api/v1/runs/{run['id']}", params={"wait": 60})).json()
        again = await run_code(editor, nb, "'x' in globals()")

    assert restart.json()["done"] is True
    assert ended["status"] == "error"
    assert ended["error"] == (
        "Stopped at cell 1: The kernel was restarted while this cell ran, so it did not finish; "
        "the variables are gone: run the cells again from the top."
    )
    assert "partial" in printed(ended["cells"][0])
    assert again["outputs"][0]["data"]["text/plain"] == "False"


async def test_a_run_whose_cell_is_deleted_while_it_runs_ends_and_can_be_read(
    app: FastAPI, world: World, via: str
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        doomed, run = await start_printing_cell(editor, nb, sleep=2)

        deleted = await editor.delete(f"/api/v1/cells/{doomed['id']}")
        waited = await editor.get(f"/api/v1/runs/{run['id']}", params={"wait": 60})
        read_again = await editor.get(f"/api/v1/runs/{run['id']}")

    assert deleted.status_code == 204
    for answer in (waited, read_again):
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "ok"
        assert answer.json()["cell_id"] is None
        assert answer.json()["cells"] == []
