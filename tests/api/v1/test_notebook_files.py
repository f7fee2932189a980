"""The notebook's .ipynb in the project folder follows its cells on every change, with no
Jupyter server running, so a plain `jupyter lab` in that folder shows the same notebook; and
what was saved in that file since Datadive wrote it comes back into the cells before Datadive
writes again, never overwritten."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Cell
from datadive.execution.backend import NotebookFileChanged
from datadive.execution.local import LocalBackend
from tests.support.cells import add_cell
from tests.support.events import Event, parse
from tests.support.notebook_files import notebook_file_when
from tests.support.world import World, build_world


async def test_edits_reach_the_notebook_file_without_a_server(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        first = await add_cell(editor, world.notebook_id, "code", "x = 1")
        second = await add_cell(editor, world.notebook_id, "markdown", "# Results")
        notebook = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        path = app.state.backend.workspace(world.project_id) / notebook["path"]
        created = await notebook_file_when(path, ["x = 1", "# Results"])

        await editor.patch(f"/api/v1/cells/{first['id']}", json={"source": "x = 2"})
        await editor.post(f"/api/v1/cells/{second['id']}/move", json={"position": 0})
        edited = await notebook_file_when(path, ["# Results", "x = 2"])

        await editor.delete(f"/api/v1/cells/{second['id']}")
        deleted = await notebook_file_when(path, ["x = 2"])
        server = (await editor.get(f"/api/v1/projects/{world.project_id}/server")).json()

    assert created == ["x = 1", "# Results"]
    assert edited == ["# Results", "x = 2"]
    assert deleted == ["x = 2"]
    assert server["running"] is False  # written without starting anything
    document = nbformat.read(path, as_version=4)
    nbformat.validate(document)
    assert document.cells[0].metadata["datadive"]["cell_id"] == first["id"]


async def test_writing_the_file_does_not_change_the_notebooks_changed_time(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        before = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        written = await app.state.notebook_files.write(world.notebook_id)
        after = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()

    assert written.written
    assert after["updated_at"] == before["updated_at"]


async def test_a_refused_edit_leaves_the_file_as_it_was(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        cell = await add_cell(editor, world.notebook_id, "code", "y = 1")
        notebook = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        path = app.state.backend.workspace(world.project_id) / notebook["path"]
        await notebook_file_when(path, ["y = 1"])
        before = path.read_bytes()
        refused = await editor.patch(f"/api/v1/cells/{cell['id']}", json={"inputs": {"a": 1}})
        await asyncio.sleep(1)

    assert refused.status_code == 422
    assert path.read_bytes() == before


# --- Edits made outside Datadive (a plain `jupyter lab` in the folder, or any editor) ---


async def notebook_path(app: FastAPI, client: httpx.AsyncClient, world: World) -> Path:
    notebook = (await client.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
    path: Path = app.state.backend.workspace(world.project_id) / notebook["path"]
    return path


async def cells_of(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = (
        await client.get(f"/api/v1/notebooks/{world.notebook_id}/cells")
    ).json()
    return cells


def save_as_jupyter_does(path: Path, edit: Callable[[nbformat.NotebookNode], None]) -> None:
    """Read the notebook, change it, write it back, as Jupyter's contents manager does."""
    document = nbformat.read(path, as_version=4)
    edit(document)
    nbformat.write(document, path)


async def test_a_file_edited_outside_datadive_is_taken_in_before_the_next_write(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        template_source = (await cells_of(editor, world))[0]["source"]
        await add_cell(editor, world.notebook_id, "code", "x = 1")
        await add_cell(editor, world.notebook_id, "markdown", "# Notes")
        path = await notebook_path(app, editor, world)
        await notebook_file_when(path, [template_source, "x = 1", "# Notes"])
        events_before = await latest_event_id(editor, world)
        added = nbformat.v4.new_code_cell("y = x * 10")

        def edit(document: nbformat.NotebookNode) -> None:
            document.cells[0].source += "\nprint('checked')"  # the template cell
            document.cells[1].source = "x = 2"
            document.cells.insert(2, added)
            del document.cells[3]  # the notes

        save_as_jupyter_does(path, edit)
        # A change in Datadive: its write must take the file in first, not overwrite it.
        await add_cell(editor, world.notebook_id, "markdown", "# Datadive's")
        expected = [template_source + "\nprint('checked')", "x = 2", "y = x * 10", "# Datadive's"]
        in_file = await notebook_file_when(path, expected)
        cells = await cells_of(editor, world)
        events = await events_after(editor, world, events_before)

    assert [cell["source"] for cell in cells] == expected
    assert [cell["kind"] for cell in cells] == ["code", "code", "code", "markdown"]
    assert (cells[0]["template"], cells[0]["inputs"]) == (None, None)  # the form is gone
    assert cells[2]["id"] == added.id  # JupyterLab's id became the cell's
    assert in_file == expected
    from_jupyterlab = {
        (e.data["change"], e.data["cell_id"]) for e in events if e.data.get("origin")
    }
    assert {change for change, _ in from_jupyterlab} == {"updated", "created", "deleted"}
    assert ("created", added.id) in from_jupyterlab
    assert all(e.data.get("origin") in {None, "jupyterlab"} for e in events)


async def latest_event_id(client: httpx.AsyncClient, world: World) -> int:
    events = await events_after(client, world, -1)
    return max((e.id or 0 for e in events), default=0)


async def events_after(client: httpx.AsyncClient, world: World, after: int) -> list[Event]:
    params: dict[str, int] = {"wait": 0} if after < 0 else {"wait": 0, "after": after}
    response = await client.get(f"/api/v1/notebooks/{world.notebook_id}/events", params=params)
    return [e for e in parse(response.text) if e.kind == "cells"]


async def test_a_cell_changed_on_both_sides_keeps_both(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        cell = await add_cell(editor, world.notebook_id, "code", "x = 1")
        await add_cell(editor, world.notebook_id, "markdown", "# End")
        path = await notebook_path(app, editor, world)
        await notebook_file_when(path, ["x = 1", "# End"])

        def edit(document: nbformat.NotebookNode) -> None:
            document.cells[0].source = "x = 'from JupyterLab'"

        save_as_jupyter_does(path, edit)
        await editor.patch(f"/api/v1/cells/{cell['id']}", json={"source": "x = 'from Datadive'"})
        offered = "# JupyterLab's conflicting version of cell 1 (cell 1 keeps Datadive's)\n"
        expected = ["x = 'from Datadive'", offered + "x = 'from JupyterLab'", "# End"]
        in_file = await notebook_file_when(path, expected)
        cells = await cells_of(editor, world)

    assert [c["source"] for c in cells] == expected
    assert cells[0]["id"] == cell["id"]
    assert [c["kind"] for c in cells] == ["code", "code", "markdown"]
    assert in_file == expected


async def test_an_overwrite_from_an_older_copy_keeps_datadives_newer_changes(app: FastAPI) -> None:
    """JupyterLab loaded the file, Datadive changed it, JupyterLab saved over it ("File
    changed on disk… Overwrite"): only what was changed in JupyterLab comes in."""
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        first = await add_cell(editor, world.notebook_id, "code", "a = 1")
        await add_cell(editor, world.notebook_id, "code", "b = 1")
        path = await notebook_file_when_path(app, editor, world, ["a = 1", "b = 1"])
        loaded_in_jupyterlab = nbformat.read(path, as_version=4)

        await editor.patch(f"/api/v1/cells/{first['id']}", json={"source": "a = 2"})
        await add_cell(editor, world.notebook_id, "code", "c = 1")
        await notebook_file_when(path, ["a = 2", "b = 1", "c = 1"])

        loaded_in_jupyterlab.cells[1].source = "b = 'JupyterLab'"
        nbformat.write(loaded_in_jupyterlab, path)
        outcome = await app.state.notebook_files.write(world.notebook_id)
        cells = await cells_of(editor, world)

    assert [c["source"] for c in cells] == ["a = 2", "b = 'JupyterLab'", "c = 1"]
    assert outcome.taken_in is not None
    assert outcome.taken_in.merge.conflicts == ()
    assert [cell.source for cell in nbformat.read(path, as_version=4).cells] == [
        "a = 2",
        "b = 'JupyterLab'",
        "c = 1",
    ]


async def notebook_file_when_path(
    app: FastAPI, client: httpx.AsyncClient, world: World, sources: list[str]
) -> Path:
    path = await notebook_path(app, client, world)
    assert await notebook_file_when(path, sources) == sources
    return path


async def test_a_file_that_is_not_a_notebook_is_neither_taken_in_nor_overwritten(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await add_cell(editor, world.notebook_id, "code", "x = 1")
        path = await notebook_file_when_path(app, editor, world, ["x = 1"])
        broken = b'{"cells": [{"cell_type": "code", "source": "x = 2"'
        path.write_bytes(broken)

        await add_cell(editor, world.notebook_id, "code", "y = 1")
        refused = await app.state.notebook_files.write(world.notebook_id)
        still_broken = path.read_bytes()
        cells_then = [c["source"] for c in await cells_of(editor, world)]

        path.unlink()  # the way out: Datadive writes it anew from the cells
        rewritten = await app.state.notebook_files.write(world.notebook_id)

    assert "not JSON" in str(refused.refused)
    assert not refused.written
    assert still_broken == broken
    assert cells_then == ["x = 1", "y = 1"]
    assert rewritten.written
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == ["x = 1", "y = 1"]


async def test_nothing_new_writes_nothing(app: FastAPI) -> None:
    """A write with nothing new for the file leaves it as it is: JupyterLab would otherwise
    say that it changed on disk."""
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", "x = 1")
        path = await notebook_path(app, editor, world)
        template_source = (await cells_of(editor, world))[0]["source"]
        await notebook_file_when(path, [template_source, "x = 1"])
        await app.state.notebook_files.write(world.notebook_id)
        before = (path.read_bytes(), path.stat().st_mtime_ns)
        draft = await editor.patch(
            f"/api/v1/cells/{world.cell_id}", json={"draft_inputs": {"data": "other"}}
        )
        after_draft = await app.state.notebook_files.write(world.notebook_id)
        unchanged = (path.read_bytes(), path.stat().st_mtime_ns)
        await editor.patch(f"/api/v1/cells/{cell['id']}", json={"source": "x = 2"})
        after_edit = await app.state.notebook_files.write(world.notebook_id)

    assert draft.status_code == 200
    assert not after_draft.written
    assert unchanged == before
    assert after_edit.written
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == [template_source, "x = 2"]


async def test_new_outputs_still_reach_the_file_when_a_save_is_taken_in_first(
    app: FastAPI,
) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        await add_cell(editor, world.notebook_id, "code", "x = 1")
        printing = await add_cell(editor, world.notebook_id, "code", "print(2)")
        path = await notebook_file_when_path(app, editor, world, ["x = 1", "print(2)"])
        # What a finished run leaves on the cell; its write is due.
        async with app.state.database.transaction() as session:
            cell = await session.get(Cell, printing["id"])
            assert cell is not None
            cell.outputs = [{"output_type": "stream", "name": "stdout", "text": "2\n"}]
            cell.execution_count, cell.status = 1, "ok"

        def edit(document: nbformat.NotebookNode) -> None:
            document.cells[0].source = "x = 5"

        save_as_jupyter_does(path, edit)
        outcome = await app.state.notebook_files.write(world.notebook_id)

    assert outcome.taken_in is not None
    assert outcome.written
    document = nbformat.read(path, as_version=4)
    assert [c.source for c in document.cells] == ["x = 5", "print(2)"]
    assert document.cells[1].outputs[0]["text"] == "2\n"
    assert document.cells[1].execution_count == 1


async def test_a_file_saved_between_reading_and_replacing_it_is_not_overwritten(
    tmp_path: Path,
) -> None:
    backend = LocalBackend(workspaces=tmp_path / "workspaces", state_dir=tmp_path / "state")
    await backend.write_notebook("p1", "a.ipynb", "first", expected_sha256=None)
    read = await backend.read_notebook("p1", "a.ipynb")
    assert read == b"first"
    target = backend.workspace("p1") / "a.ipynb"
    target.write_text("saved meanwhile")  # JupyterLab, after Datadive read the file

    with pytest.raises(NotebookFileChanged):
        await backend.write_notebook(
            "p1", "a.ipynb", "Datadive's", expected_sha256=hashlib.sha256(read).hexdigest()
        )
    with pytest.raises(NotebookFileChanged):  # Datadive found no file, but there is one now
        await backend.write_notebook("p1", "a.ipynb", "Datadive's", expected_sha256=None)
    assert target.read_text() == "saved meanwhile"
    await backend.write_notebook(
        "p1",
        "a.ipynb",
        "Datadive's",
        expected_sha256=hashlib.sha256(b"saved meanwhile").hexdigest(),
    )
    assert target.read_text() == "Datadive's"
    assert [p.name for p in target.parent.iterdir()] == ["a.ipynb"]  # no partial files left
    assert await backend.read_notebook("p1", "missing.ipynb") is None


async def test_cells_that_used_what_jupyterlab_changed_become_stale(app: FastAPI) -> None:
    world: World = await build_world(app)
    async with world.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{world.cell_id}")
        sources = ["x = 1", "y = x + 1", "z = 3", "w = z * 2", "v = 5"]
        for source in sources:
            await add_cell(editor, world.notebook_id, "code", source)
        path = await notebook_file_when_path(app, editor, world, sources)
        async with app.state.database.transaction() as session:  # as if all had run
            for cell in (await session.scalars(sa.select(Cell))).all():
                cell.status = "ok"

        def edit(document: nbformat.NotebookNode) -> None:
            document.cells[0].source = "x = 10"
            del document.cells[2]  # z = 3

        save_as_jupyter_does(path, edit)
        await app.state.notebook_files.write(world.notebook_id)
        cells = await cells_of(editor, world)

    assert [(c["source"], c["status"]) for c in cells] == [
        ("x = 10", "stale"),
        ("y = x + 1", "stale"),
        ("w = z * 2", "stale"),
        ("v = 5", "ok"),  # uses nothing that changed
    ]
