"""Issue 17 through the API, on real servers and kernels: when as many project servers run as
may, a request to start one more answers a clear 503 while the others are busy, and stops the
least recently used idle one otherwise; a cell over the kernel memory limit ends its run as an
error saying so, and the next run works."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from datadive.config import Settings
from tests.support.cells import add_cell
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow
SLEEPING = "import time\nprint('sleeping', flush=True)\ntime.sleep(120)"
BUSY = "The one Jupyter server Datadive may run at once is busy running cells"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_jupyter_servers": 1, "kernel_memory_limit_gb": 0.3})


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def second_notebook(editor: httpx.AsyncClient) -> tuple[str, str]:
    project = (await editor.post("/api/v1/projects", json={"title": "Second study"})).json()
    notebook = await editor.post(
        f"/api/v1/projects/{project['id']}/notebooks", json={"title": "Other"}
    )
    assert notebook.status_code == 201, notebook.text
    return project["id"], notebook.json()["id"]


async def until_printed(editor: httpx.AsyncClient, cell_id: str) -> None:
    for _ in range(600):
        cell = (await editor.get(f"/api/v1/cells/{cell_id}")).json()
        if any("sleeping" in output.get("text", "") for output in cell["outputs"]):
            return
        await asyncio.sleep(0.1)
    pytest.fail("the sleeping cell never printed")


async def run_cell(editor: httpx.AsyncClient, notebook_id: str, source: str) -> dict[str, Any]:
    cell = await add_cell(editor, notebook_id, "code", source)
    response = await editor.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 120})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_server_beyond_the_bound_waits_for_a_busy_one_and_replaces_an_idle_one(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        setup = await run_cell(editor, world.notebook_id, "kept = 1")
        sleeping = await add_cell(editor, world.notebook_id, "code", SLEEPING)
        await editor.post(f"/api/v1/cells/{sleeping['id']}/execute")
        await until_printed(editor, sleeping["id"])
        project_id, notebook_id = await second_notebook(editor)

        refused = await editor.post(f"/api/v1/projects/{project_id}/server")
        refused_run = await run_cell(editor, notebook_id, "6 * 7")

        interrupted = await editor.post(
            f"/api/v1/projects/{world.project_id}/kernel/interrupt",
            json={"notebook_id": world.notebook_id},
        )
        assert interrupted.status_code == 200, interrupted.text
        for _ in range(300):  # the interrupted run ends, and its server is idle
            cell = (await editor.get(f"/api/v1/cells/{sleeping['id']}")).json()
            if cell["status"] != "running":
                break
            await asyncio.sleep(0.1)
        started = await editor.post(f"/api/v1/projects/{project_id}/server")
        first = (await editor.get(f"/api/v1/projects/{world.project_id}/server")).json()
        setup_after = (await editor.get(f"/api/v1/cells/{setup['cells'][0]['id']}")).json()
        next_run = await run_cell(editor, notebook_id, "6 * 7")

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "urn:datadive:problem:servers-busy"
    assert BUSY in problem["detail"]
    assert "stop a project's server" in problem["detail"]
    assert refused_run["status"] == "error"
    assert BUSY in refused_run["error"]
    assert started.status_code == 200, started.text
    assert started.json()["running"] is True
    assert first["running"] is False  # the idle one gave way
    assert setup["status"] == "ok"
    # Its variables went with it, and its cells say so.
    assert (setup_after["status"], setup_after["status_reason"]) == ("idle", "restart")
    assert next_run["status"] == "ok", (next_run["error"], next_run["cells"][0]["outputs"])


async def test_a_cell_over_the_memory_limit_ends_as_an_error_and_the_next_run_works(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        await run_cell(editor, world.notebook_id, "import numpy as np\nkept = 1")
        big = await run_cell(
            editor,
            world.notebook_id,
            "import time\nbig = np.ones(75_000_000)  # 600 MB\ntime.sleep(60)",
        )
        next_run = await run_cell(editor, world.notebook_id, "'kept' in globals(), 6 * 7")

    assert big["status"] == "error"
    assert "the cell used more than 0.3 GB of memory" in big["error"]
    assert big["cells"][0]["status"] == "error"
    assert "the cell used more than 0.3 GB" in big["cells"][0]["outputs"][-1]["evalue"]
    assert next_run["status"] == "ok", (next_run["error"], next_run["cells"][0]["outputs"])
    assert next_run["cells"][0]["outputs"][0]["data"]["text/plain"] == "(False, 42)"
