"""A project's server that stopped by itself (idle culling, a crash) and was started again on
the same port has none of the old kernels: the next run starts the notebook a new one instead
of sending its cells to a kernel id the new server never had."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from datadive.execution import local
from tests.support.cells import run_code
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def test_a_server_started_again_on_the_same_port_gets_a_new_kernel(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = app.state.backend
    port = local.free_port()
    monkeypatch.setattr(local, "free_port", lambda: port)  # the OS may hand out a port again
    async with world.editor.client(app) as editor:
        first = await run_code(editor, world.notebook_id, "x = 1\nx")
        # The server goes away behind the executor's back, as Jupyter's idle culling does.
        await backend.stop(world.project_id)
        second = await run_code(editor, world.notebook_id, "'x' in globals(), 6 * 7")

    assert backend.servers[world.project_id].port == port
    assert first["outputs"][0]["data"]["text/plain"] == "1"
    assert second["outputs"][0]["data"]["text/plain"] == "(False, 42)"
