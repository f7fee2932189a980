"""A project's requirements.txt as a researcher meets it: uploaded as a project file, installed
before the project's server starts (the run says so as a step), a misspelt package named with
its line as the run's error, and a corrected file used on the next run. Real pip (offline,
from a folder with one test wheel), real Jupyter server and kernel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from datadive.config import Settings
from tests.support.cells import add_cell
from tests.support.events import parse
from tests.support.wheels import GREETING, PACKAGE, build_wheel, offline_pip
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """The suite's settings, with pip offline: packages come from a wheel built here."""
    wheels = build_wheel(tmp_path / "wheels").parent
    with offline_pip():
        yield settings.model_copy(update={"pip_no_index": True, "pip_find_links": wheels})


@pytest.fixture
async def world(app: FastAPI) -> World:
    built = await build_world(app)
    async with built.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{built.cell_id}")
    return built


async def upload_requirements(app: FastAPI, world: World, text: str) -> None:
    async with world.editor.client(app) as editor:
        answer = await editor.post(
            f"/api/v1/projects/{world.project_id}/files",
            params={"overwrite": "true"},
            files={"file": ("requirements.txt", text.encode(), "text/plain")},
        )
    assert answer.status_code == 201, answer.text


async def test_a_misspelt_package_fails_the_run_with_its_line_and_the_fix_runs(
    app: FastAPI, world: World
) -> None:
    await upload_requirements(app, world, f"{PACKAGE}\npandaz\n")
    async with world.editor.client(app) as editor:
        cell = await add_cell(
            editor, world.notebook_id, "code", f"import {PACKAGE}\nprint({PACKAGE}.GREETING)"
        )
        failed = await editor.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 120})
        assert failed.status_code == 200, failed.text
        assert failed.json()["status"] == "error"
        assert failed.json()["error"] == (
            "No package named 'pandaz' (requirements.txt line 2); check the spelling on pypi.org."
        )
        events = await editor.get(
            f"/api/v1/notebooks/{world.notebook_id}/events", params={"wait": 0, "after": 0}
        )
    runs = [event.data for event in parse(events.text) if event.kind == "run"]
    assert [(run["status"], run.get("step")) for run in runs] == [
        ("queued", None),
        ("starting", None),
        ("starting", "Installing 2 packages from requirements.txt…"),
        ("error", None),
    ]
    assert not (await app.state.backend.status(world.project_id)).running

    await upload_requirements(app, world, f"{PACKAGE}\n")
    async with world.editor.client(app) as editor:
        ran = await editor.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 120})
    assert ran.json()["status"] == "ok", ran.text
    [done] = ran.json()["cells"]
    assert done["outputs"] == [{"output_type": "stream", "name": "stdout", "text": GREETING + "\n"}]
