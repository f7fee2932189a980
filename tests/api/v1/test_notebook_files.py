"""The notebook's .ipynb in the project folder follows its cells on every change, with no
Jupyter server running, so a plain `jupyter lab` in that folder shows the same notebook."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nbformat
from fastapi import FastAPI

from tests.support.cells import add_cell
from tests.support.world import World, build_world


async def notebook_file_when(app: FastAPI, path: Path, sources: list[str]) -> list[str]:
    """The cell sources of the .ipynb once they are `sources` (or what it holds after 20 s)."""
    found: list[str] = []
    for _ in range(200):
        if path.is_file():
            found = [cell.source for cell in nbformat.read(path, as_version=4).cells]
            if found == sources:
                break
        await asyncio.sleep(0.1)
    return found


async def test_edits_reach_the_notebook_file_without_a_server(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        first = await add_cell(editor, world.notebook_id, "code", "x = 1")
        second = await add_cell(editor, world.notebook_id, "markdown", "# Results")
        notebook = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        path = app.state.backend.workspace(world.project_id) / notebook["path"]
        created = await notebook_file_when(app, path, ["x = 1", "# Results"])

        await editor.patch(f"/api/v1/cells/{first['id']}", json={"source": "x = 2"})
        await editor.post(f"/api/v1/cells/{second['id']}/move", json={"position": 0})
        edited = await notebook_file_when(app, path, ["# Results", "x = 2"])

        await editor.delete(f"/api/v1/cells/{second['id']}")
        deleted = await notebook_file_when(app, path, ["x = 2"])
        server = (await editor.get(f"/api/v1/projects/{world.project_id}/server")).json()

    assert created == ["x = 1", "# Results"]
    assert edited == ["# Results", "x = 2"]
    assert deleted == ["x = 2"]
    assert server["running"] is False  # written without starting anything
    document = nbformat.read(path, as_version=4)
    nbformat.validate(document)
    assert document.cells[0].metadata["datadive"]["cell_id"] == first["id"]


async def test_a_refused_edit_leaves_the_file_as_it_was(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        cell = await add_cell(editor, world.notebook_id, "code", "y = 1")
        notebook = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        path = app.state.backend.workspace(world.project_id) / notebook["path"]
        await notebook_file_when(app, path, ["y = 1"])
        before = path.read_bytes()
        refused = await editor.patch(f"/api/v1/cells/{cell['id']}", json={"inputs": {"a": 1}})
        await asyncio.sleep(1)

    assert refused.status_code == 422
    assert path.read_bytes() == before
