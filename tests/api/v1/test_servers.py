"""The project's Jupyter server through the API: read, start, stop, and "Open in JupyterLab"
on a real server, on SQLite and PostgreSQL.

SECURITY.md check 13: a member removed, made a viewer, or leaving loses JupyterLab on the
very next request; check 18: Datadive hands out one-time login URLs, never `?token=` ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from tests.support.world import Person, World, build_world

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(app: FastAPI) -> World:
    built = await build_world(app)
    workspace = app.state.backend.workspace(built.project_id)
    workspace.mkdir(parents=True)
    notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (workspace / "analysis.ipynb").write_text(json.dumps(notebook))
    return built


def server_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/server"


def lab_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/jupyterlab?notebook_id={world.notebook_id}"


@asynccontextmanager
async def jupyterlab_as(
    app: FastAPI, world: World, person: Person
) -> AsyncIterator[httpx.AsyncClient]:
    """A real browser-like client on the project's server, logged in through Datadive."""
    async with person.client(app) as datadive:
        handoff = await datadive.get(lab_url(world))
    assert handoff.status_code == 303, handoff.text
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as jupyter:
        landed = await jupyter.get(handoff.headers["location"])
        assert landed.status_code == 200
        yield jupyter


async def contents_status(app: FastAPI, world: World, jupyter: httpx.AsyncClient) -> int:
    handle = await app.state.backend.ensure_server(world.project_id)
    return (await jupyter.get(f"{handle.url}/api/contents")).status_code


async def test_start_open_in_jupyterlab_and_stop(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        before = (await editor.get(server_url(world))).json()
        not_running = await editor.get(lab_url(world))
        still_stopped = (await editor.get(server_url(world))).json()

        started = await editor.post(server_url(world))
        seen_by_viewer = (await viewer.get(server_url(world))).json()
        viewer_handoff = await viewer.get(lab_url(world))
        handoff = await editor.get(lab_url(world))

        stopped = await editor.delete(server_url(world))
        after = (await editor.get(server_url(world))).json()

    assert before == {"running": False, "started_at": None, "jupyterlab_url": None}
    assert not_running.status_code == 409
    assert not_running.json()["type"] == "urn:datadive:problem:server-not-running"
    assert still_stopped["running"] is False  # no GET starts a server
    assert started.status_code == 200
    assert started.json()["running"] is True
    assert started.json()["started_at"] is not None
    assert started.json()["jupyterlab_url"] == (
        f"http://localhost/api/v1/projects/{world.project_id}/jupyterlab"
    )
    assert seen_by_viewer["running"] is True
    assert seen_by_viewer["jupyterlab_url"] is None
    assert viewer_handoff.status_code == 403
    assert handoff.status_code == 303
    assert handoff.headers["cache-control"] == "no-store"
    login = urlsplit(handoff.headers["location"])
    assert (login.hostname, login.path) == ("127.0.0.1", "/datadive/login")
    assert set(parse_qs(login.query)) == {"code", "next"}
    assert parse_qs(login.query)["next"] == ["/lab/tree/analysis.ipynb"]
    assert stopped.status_code == 204
    assert after["running"] is False


async def test_the_handoff_lands_in_jupyterlab_with_the_notebook(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        handle = (await editor.post(server_url(world))).json()
        assert handle["running"]
        handoff = await editor.get(lab_url(world))
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as browser:
        landed = await browser.get(handoff.headers["location"])
        notebook = await browser.get(landed.url.copy_with(path="/api/contents/analysis.ipynb"))
        me = await browser.get(landed.url.copy_with(path="/api/me"))
    async with httpx.AsyncClient(timeout=30) as someone_else:
        reused = await someone_else.get(handoff.headers["location"])

    assert landed.status_code == 200
    assert landed.url.path == "/lab/tree/analysis.ipynb"
    assert "JupyterLab" in landed.text
    assert notebook.status_code == 200
    assert notebook.json()["type"] == "notebook"
    assert me.json()["identity"]["username"] == world.editor.user_id
    assert me.json()["identity"]["name"] == world.editor.name
    assert reused.status_code == 403  # the URL worked once


async def leave(app: FastAPI, world: World) -> httpx.Response:
    async with world.editor.client(app) as editor:
        return await editor.delete(
            f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}"
        )


async def remove(app: FastAPI, world: World) -> httpx.Response:
    async with world.owner.client(app) as owner:
        return await owner.delete(
            f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}"
        )


async def make_viewer(app: FastAPI, world: World) -> httpx.Response:
    async with world.owner.client(app) as owner:
        return await owner.patch(
            f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}",
            json={"role": "viewer"},
        )


async def make_owner(app: FastAPI, world: World) -> httpx.Response:
    async with world.owner.client(app) as owner:
        return await owner.patch(
            f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}",
            json={"role": "owner"},
        )


@pytest.mark.parametrize(
    ("change", "editor_keeps_access"),
    [(remove, False), (make_viewer, False), (leave, False), (make_owner, True)],
    ids=["removed", "made-viewer", "left", "made-owner"],
)
async def test_losing_the_right_to_run_code_ends_jupyterlab_on_the_next_request(
    app: FastAPI,
    world: World,
    change,
    editor_keeps_access: bool,  # type: ignore[no-untyped-def]
) -> None:
    await app.state.backend.ensure_server(world.project_id)
    async with (
        jupyterlab_as(app, world, world.editor) as editor_lab,
        jupyterlab_as(app, world, world.owner) as owner_lab,
    ):
        assert await contents_status(app, world, editor_lab) == 200

        changed = await change(app, world)

        editor_next = await contents_status(app, world, editor_lab)
        owner_next = await contents_status(app, world, owner_lab)

    assert changed.is_success, changed.text
    assert editor_next == (200 if editor_keeps_access else 403)
    assert owner_next == 200  # the old owner stays an editor in the transfer
    assert (await app.state.backend.status(world.project_id)).running


async def test_an_api_token_cannot_open_jupyterlab(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        created = await editor.post("/api/v1/auth/tokens", json={"name": "s", "scope": "write"})
        await editor.post(server_url(world))
    token = created.json()["token"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost"
    ) as script:
        answer = await script.get(lab_url(world), headers={"Authorization": f"Bearer {token}"})
        status = await script.get(server_url(world), headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 403
    assert "location" not in answer.headers
    assert status.json()["running"] is True  # the token still reads the server's state


async def test_a_notebook_of_another_project_is_refused(app: FastAPI, world: World) -> None:
    elsewhere = await build_world(app, prefix="b-")
    async with world.editor.client(app) as editor:
        answer = await editor.get(
            f"/api/v1/projects/{world.project_id}/jupyterlab?notebook_id={elsewhere.notebook_id}"
        )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "notebook_id"
    assert not (await app.state.backend.status(world.project_id)).running
