"""The warm pool's early start (issue 18): opening a notebook's page, or creating a notebook,
starts the project's server when someone who may run cells does it; a viewer's visit starts
nothing. On a real server."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from datadive.config import Settings
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"warm_pool": 1})


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_an_editor_opening_a_notebook_starts_its_server_a_viewer_does_not(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    backend = app.state.backend

    async with world.viewer.client(app) as viewer:
        assert (await viewer.get(f"/notebooks/{world.notebook_id}")).status_code == 200
    await backend.warm_starts.wait()
    assert (await backend.status(world.project_id)).running is False

    async with world.editor.client(app) as editor:
        assert (await editor.get(f"/notebooks/{world.notebook_id}")).status_code == 200
    await backend.warm_starts.wait()

    assert (await backend.status(world.project_id)).running is True
    assert backend.servers[world.project_id].unused is True


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_creating_a_notebook_through_the_api_starts_the_projects_server(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    backend = app.state.backend

    async with world.editor.client(app) as editor:
        created = await editor.post(
            f"/api/v1/projects/{world.project_id}/notebooks", json={"title": "Second"}
        )
    assert created.status_code == 201, created.text
    await backend.warm_starts.wait()

    assert (await backend.status(world.project_id)).running is True
