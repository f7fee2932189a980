"""Files written by kernel code under `data/` come back into the project (and the other way
round), without a Jupyter server: the sync reads the workspace folder directly."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from fastapi import FastAPI

from datadive.services.data_files.workspace_files import WorkspaceFiles
from tests.support.world import World, build_world


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def data_folder(app: FastAPI, world: World) -> Path:
    path: Path = app.state.backend.workspace(world.project_id) / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def listed(app: FastAPI, world: World) -> dict[str, dict[str, object]]:
    async with world.viewer.client(app) as viewer:
        items = (await viewer.get(f"/api/v1/projects/{world.project_id}/files")).json()["items"]
    return {item["path"]: item for item in items}


async def sync(app: FastAPI, world: World) -> None:
    workspace: WorkspaceFiles = app.state.workspace_files
    await workspace.sync_workspace_files(world.project_id)


async def test_new_changed_and_deleted_files_are_synced(app: FastAPI, world: World) -> None:
    data = data_folder(app, world)
    (data / "clean.csv").write_bytes(b"id,score\n1,2\n")
    (data / "out").mkdir()
    (data / "out" / "table.json").write_text('{"a": 1}')

    await sync(app, world)
    files = await listed(app, world)
    assert set(files) == {"clean.csv", "out/table.json"}
    assert files["clean.csv"]["metadata"]["format"] == "csv"
    assert [c["name"] for c in files["clean.csv"]["metadata"]["columns"]] == ["id", "score"]

    (data / "clean.csv").write_bytes(b"id,score\n1,2\n2,3\n")
    os.utime(data / "clean.csv", ns=(1, 1))  # even with an old modification time
    (data / "out" / "table.json").unlink()
    await sync(app, world)
    again = await listed(app, world)

    assert set(again) == {"clean.csv"}
    assert again["clean.csv"]["id"] == files["clean.csv"]["id"]
    assert again["clean.csv"]["sha256"] == hashlib.sha256(b"id,score\n1,2\n2,3\n").hexdigest()
    async with world.viewer.client(app) as viewer:
        content = await viewer.get(f"/api/v1/files/{files['clean.csv']['id']}/content")
    assert content.content == b"id,score\n1,2\n2,3\n"


async def test_a_sync_without_changes_changes_nothing(app: FastAPI, world: World) -> None:
    (data_folder(app, world) / "a.csv").write_bytes(b"x\n1\n")
    await sync(app, world)
    before = await listed(app, world)
    await sync(app, world)
    assert await listed(app, world) == before


async def test_files_that_cannot_be_taken_stay_out(app: FastAPI, world: World) -> None:
    data = data_folder(app, world)
    (data / "binary.csv").write_bytes(b"\x00\x01\x02 not text")
    (data / ".hidden.csv").write_bytes(b"a\n")
    (data / ".ipynb_checkpoints").mkdir()
    (data / ".ipynb_checkpoints" / "x.csv").write_bytes(b"a\n")
    secret = app.state.settings.resolved_data_dir / "secret.txt"
    secret.write_text("not for kernels")
    (data / "link.txt").symlink_to(secret)

    await sync(app, world)

    assert await listed(app, world) == {}
    assert (data / "binary.csv").exists()  # left for the user to fix


async def test_uploaded_files_missing_from_the_folder_are_put_back_not_deleted(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        response = await editor.post(
            f"/api/v1/projects/{world.project_id}/files",
            files={"file": ("survey.csv", b"id\n1\n", "text/csv")},
        )
        assert response.status_code == 201
    data = data_folder(app, world)
    # The folder is lost (a new machine, a cleaned workspace) together with the manifest.
    (data / "survey.csv").unlink()
    (app.state.settings.resolved_data_dir / "workspace-files" / f"{world.project_id}.json").unlink()

    await sync(app, world)

    assert "survey.csv" in await listed(app, world)
    assert (data / "survey.csv").read_bytes() == b"id\n1\n"


async def test_workspace_copies_do_not_share_the_stored_blob(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        first = await editor.post(
            f"/api/v1/projects/{world.project_id}/files",
            files={"file": ("survey.csv", b"id\n1\n", "text/csv")},
        )
        await editor.post(
            f"/api/v1/projects/{world.project_id}/files",
            files={"file": ("same.csv", b"id\n1\n", "text/csv")},
        )
    data = data_folder(app, world)
    # Kernel code overwrites its input in place.
    with (data / "survey.csv").open("r+b") as handle:
        handle.write(b"XX")

    async with world.viewer.client(app) as viewer:
        other = await listed(app, world)
        content = await viewer.get(f"/api/v1/files/{other['same.csv']['id']}/content")
    assert content.content == b"id\n1\n"
    await sync(app, world)
    files = await listed(app, world)
    assert files["survey.csv"]["id"] == first.json()["id"]
    assert files["survey.csv"]["sha256"] == hashlib.sha256(b"XX\n1\n").hexdigest()
    assert files["same.csv"]["sha256"] == hashlib.sha256(b"id\n1\n").hexdigest()
