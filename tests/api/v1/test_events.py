"""GET /notebooks/{id}/events: cell status, output chunks and run progress as Server-Sent
Events, over a real HTTP server; resumable with Last-Event-ID; across processes on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from datadive.db.models import NotebookEvent
from datadive.db.types import utcnow
from datadive.services.authoring.notebook_events import purge_old_events
from tests.support.cells import add_cell
from tests.support.events import Event, EventReader, apply_outputs, parse, served
from tests.support.hub import ON_BOTH_BACKENDS
from tests.support.world import Person, World, build_world

PRINT_SLOWLY = "import time\nfor i in range(4):\n    print(i, flush=True)\n    time.sleep(0.6)"


def events_url(world: World) -> str:
    return f"/api/v1/notebooks/{world.notebook_id}/events"


def streaming(url: str, person: Person) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, cookies={"datadive_session": person.cookie}, timeout=60)


def run_finished(event: Event) -> bool:
    return event.kind == "run" and event.data["status"] in {"ok", "error"}


async def backlog(app: FastAPI, person: Person, world: World, **params: Any) -> list[Event]:
    """Everything after `after` at once (`?wait=0` ends the stream when caught up)."""
    async with person.client(app) as client:
        response = await client.get(events_url(world), params={"wait": 0, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse(response.text)


@pytest.mark.slow
@ON_BOTH_BACKENDS
async def test_a_viewer_sees_a_cell_print_live_and_the_run_finish(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", PRINT_SLOWLY)
        async with (
            served(app) as url,
            streaming(url, world.viewer) as viewer,
            viewer.stream("GET", events_url(world)) as stream,
        ):
            assert stream.status_code == 200
            started = await editor.post(f"/api/v1/cells/{cell['id']}/execute")
            assert started.status_code == 202
            events = await EventReader(stream).until(run_finished, seconds=90)

    # (On JupyterHub the start's steps come as more `starting` events: see the next test.)
    runs = [e.data["status"] for e in events if e.kind == "run" and "step" not in e.data]
    assert runs == ["queued", "starting", "running", "ok"]
    ours = [
        e
        for e in events
        if e.data.get("cell_id") == cell["id"] or cell["id"] in e.data.get("cell_ids", [])
    ]
    statuses = [e.data["status"] for e in ours if e.kind == "cell-status"]
    assert statuses == ["queued", "running", "ok"]
    assert [e.data.get("execution_count") for e in ours if e.kind == "cell-status"][-1] == 1

    page: list[dict[str, Any]] = []
    seen_while_running = []
    for event in ours:
        if event.kind == "outputs":
            page = apply_outputs(page, event.data)
            seen_while_running.append("".join(o.get("text", "") for o in page))
        elif event.kind == "cell-status" and event.data["status"] == "ok":
            break
    assert page == [{"output_type": "stream", "name": "stdout", "text": "0\n1\n2\n3\n"}]
    # The output came in pieces while the cell ran, not all at the end.
    assert any(text and text != "0\n1\n2\n3\n" for text in seen_while_running)
    # Numbers increase one by one: nothing was skipped.
    ids = [e.id for e in events]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


@pytest.mark.slow
@pytest.mark.hub
@pytest.mark.parametrize("execution_backend", ["hub"], indirect=True)
async def test_a_server_starting_on_jupyterhub_is_followed_step_by_step(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", "print('hello')")
        async with (
            served(app) as url,
            streaming(url, world.viewer) as viewer,
            viewer.stream("GET", events_url(world)) as stream,
        ):
            started = await editor.post(f"/api/v1/cells/{cell['id']}/execute")
            events = await EventReader(stream).until(run_finished, seconds=120)

    runs = [e.data for e in events if e.kind == "run"]
    # The Hub's steps, in its words and order, as the `step` of the run while it starts.
    assert [run["status"] for run in runs] == ["queued"] + ["starting"] * (len(runs) - 3) + [
        "running",
        "ok",
    ]
    steps = [run["step"] for run in runs if "step" in run]
    assert {run["run_id"] for run in runs} == {started.json()["id"]}
    assert steps[0] == "Server requested (0%)"
    assert steps[-1].startswith("Server ready at /user/datadive-")
    assert steps[-1].endswith("(100%)")
    assert len(steps) == len(runs) - 4  # every start event after the first carries a step


async def test_cell_edits_are_events_and_a_client_resumes_after_the_last_it_saw(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        first = await add_cell(editor, world.notebook_id, "code", "a = 1")
        second = await add_cell(editor, world.notebook_id, "markdown", "# Title")
        await editor.patch(f"/api/v1/cells/{first['id']}", json={"source": "a = 2"})
        await editor.post(f"/api/v1/cells/{second['id']}/move", json={"position": 0})
        await editor.delete(f"/api/v1/cells/{first['id']}")

    everything = await backlog(app, world.viewer, world, after=0)
    changes = [(e.data["change"], e.data["cell_id"]) for e in everything if e.kind == "cells"]
    assert changes[-5:] == [
        ("created", first["id"]),
        ("created", second["id"]),
        ("updated", first["id"]),
        ("moved", second["id"]),
        ("deleted", first["id"]),
    ]
    middle = everything[-3].id
    assert middle is not None
    async with world.viewer.client(app) as viewer:
        resumed = await viewer.get(
            events_url(world), params={"wait": 0}, headers={"Last-Event-ID": str(middle)}
        )
    assert parse(resumed.text) == everything[-2:]
    assert await backlog(app, world.viewer, world) == []  # no id: from now on


async def test_a_client_that_missed_purged_events_is_told_to_reload(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        for n in range(3):
            await add_cell(editor, world.notebook_id, "code", f"x = {n}")
    everything = await backlog(app, world.viewer, world, after=0)
    async with app.state.database.transaction() as session:
        await purge_old_events(session, before=utcnow() + timedelta(seconds=1))

    after_purge = await backlog(app, world.viewer, world, after=everything[0].id)
    assert [e.kind for e in after_purge] == ["reset"]
    assert after_purge[0].data == {"latest": everything[-1].id}
    future = await backlog(app, world.viewer, world, after=10_000)
    assert [e.kind for e in future] == ["reset"]


async def test_bad_resume_points_are_refused_with_the_field_named(
    app: FastAPI, world: World
) -> None:
    async with world.viewer.client(app) as viewer:
        header = await viewer.get(
            events_url(world), params={"wait": 0}, headers={"Last-Event-ID": "yesterday"}
        )
        query = await viewer.get(events_url(world), params={"wait": 0, "after": -1})
        too_long = await viewer.get(events_url(world), params={"wait": 100_000})
    assert header.status_code == query.status_code == too_long.status_code == 422
    assert header.json()["errors"][0]["field"] == "header.last-event-id"


async def test_a_member_removed_while_following_stops_receiving(app: FastAPI, world: World) -> None:
    async with (
        served(app) as url,
        streaming(url, world.viewer) as viewer,
        viewer.stream("GET", events_url(world)) as stream,
        world.owner.client(app) as owner,
    ):
        await add_cell(owner, world.notebook_id, "code", "before = 1")
        reader = EventReader(stream)
        seen = await reader.until(lambda e: e.kind == "cells")
        removed = await owner.delete(
            f"/api/v1/projects/{world.project_id}/members/{world.viewer.user_id}"
        )
        assert removed.status_code == 204
        await add_cell(owner, world.notebook_id, "code", "secret = 42")
        rest = await reader.to_the_end(seconds=30)

    assert [e.data["change"] for e in seen] == ["created"]
    assert rest == []


# Across processes needs PostgreSQL (LISTEN/NOTIFY); SQLite serves one process.
@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
@pytest.mark.postgres
@pytest.mark.slow
@ON_BOTH_BACKENDS
async def test_events_reach_a_client_of_another_datadive_process(
    app: FastAPI, world: World, settings: Settings
) -> None:
    other = create_app(settings)
    async with (
        other.router.lifespan_context(other),
        served(other) as other_url,
        streaming(other_url, world.viewer) as viewer,
        viewer.stream("GET", events_url(world)) as stream,
        world.editor.client(app) as editor,
    ):
        assert other.state.database.wakeups is not app.state.database.wakeups
        await asyncio.wait_for(other.state.database.listener.listening.wait(), 10)
        cell = await add_cell(editor, world.notebook_id, "code", "print('from afar')")
        await editor.post(f"/api/v1/cells/{cell['id']}/execute")
        events = await EventReader(stream).until(run_finished, seconds=90)

    assert [e.data["status"] for e in events if e.kind == "run"][-1] == "ok"
    outputs: list[dict[str, Any]] = []
    for event in events:
        if event.kind == "outputs":
            outputs = apply_outputs(outputs, event.data)
    assert outputs[0]["text"] == "from afar\n"


async def test_events_are_removed_with_their_notebook(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        await add_cell(editor, world.notebook_id, "code", "x = 1")
        deleted = await editor.delete(f"/api/v1/notebooks/{world.notebook_id}")
    assert deleted.status_code == 204
    async with app.state.database.new_session() as session:
        left = await session.scalar(
            sa.select(sa.func.count()).where(NotebookEvent.notebook_id == world.notebook_id)
        )
    assert left == 0


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)
