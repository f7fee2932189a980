"""Projects: create, list, read, update, archive, delete and restore; bad input leaves the
database as it was."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Notebook, Project, ProjectMember
from datadive.db.types import utcnow
from datadive.services.membership.projects import purge_deleted_projects
from tests.support.world import World, build_world, make_person


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


async def project_row(app: FastAPI, project_id: str) -> Project | None:
    async with app.state.database.new_session() as session:
        return await session.get(Project, project_id)


async def test_create_makes_the_caller_owner(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        response = await client.post(
            "/api/v1/projects", json={"title": "  Survey 2026  ", "description": "Pilot"}
        )

    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Survey 2026"
    assert body["role"] == "owner"
    assert body["owner"]["username"] == "ada"
    assert [m["role"] for m in body["members"]] == ["owner"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 10_000}, "title"),
        ({}, "title"),
        ({"title": "ok", "owner_id": "someone"}, "owner_id"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
    ],
)
async def test_bad_new_projects_are_refused_and_nothing_is_created(
    app: FastAPI, body: dict[str, object], field: str
) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        response = await client.post("/api/v1/projects", json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    async with app.state.database.new_session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"owner_id": "x"},
        {"role": "owner"},
        {"is_admin": True},
        {"project_id": "x"},
        {"title": "x" * 10_000},
        {"title": ""},
    ],
)
async def test_bad_or_smuggled_updates_change_nothing(
    app: FastAPI, world: World, body: dict[str, object]
) -> None:
    before = await project_row(app, world.project_id)
    async with world.editor.client(app) as client:
        response = await client.patch(f"/api/v1/projects/{world.project_id}", json=body)

    assert response.status_code == 422
    after = await project_row(app, world.project_id)
    assert before is not None
    assert after is not None
    assert (after.title, after.owner_id, after.updated_at) == (
        before.title,
        before.owner_id,
        before.updated_at,
    )


async def test_editors_rename_only_the_owner_archives(app: FastAPI, world: World) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    async with world.editor.client(app) as editor, world.owner.client(app) as owner:
        renamed = await editor.patch(url, json={"title": "Main study"})
        editor_archive = await editor.patch(url, json={"archived": True})
        owner_archive = await owner.patch(url, json={"archived": True})
        rename_archived = await editor.patch(url, json={"title": "Again"})
        new_notebook = await editor.post(f"{url}/notebooks", json={"title": "More"})
        unarchived = await owner.patch(url, json={"archived": False})

    assert renamed.json()["title"] == "Main study"
    assert editor_archive.status_code == 403
    assert owner_archive.json()["archived"] is True
    assert rename_archived.status_code == 409
    assert new_notebook.status_code == 409
    assert unarchived.json()["archived"] is False


async def test_deleted_projects_vanish_can_be_restored_and_are_purged_later(
    app: FastAPI, world: World
) -> None:
    url = f"/api/v1/projects/{world.project_id}"
    async with world.owner.client(app) as owner, world.viewer.client(app) as viewer:
        assert (await owner.delete(url)).status_code == 204
        assert (await owner.get(url)).status_code == 404
        assert (await viewer.get(f"/api/v1/notebooks/{world.notebook_id}")).status_code == 404
        assert (await owner.get("/api/v1/projects")).json()["items"] == []

        assert (await owner.post(f"{url}/restore")).status_code == 200
        assert (await viewer.get(url)).status_code == 200

        assert (await owner.delete(url)).status_code == 204
    async with app.state.database.transaction() as session:
        await session.execute(sa.update(Project).values(deleted_at=utcnow() - timedelta(days=31)))
        assert await purge_deleted_projects(session) == 1
    async with app.state.database.new_session() as session:
        for model in (Project, ProjectMember, Notebook):
            assert await session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


@pytest.mark.parametrize("bad_id", ["nope", "0" * 36, "x" * 65])
async def test_unknown_or_malformed_ids(app: FastAPI, world: World, bad_id: str) -> None:
    async with world.owner.client(app) as client:
        response = await client.get(f"/api/v1/projects/{bad_id}")

    assert response.status_code in {404, 422}
    assert response.headers["content-type"] == "application/problem+json"


async def test_ids_of_the_wrong_kind_are_not_found(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as client:
        as_project = await client.get(f"/api/v1/projects/{world.notebook_id}")
        as_notebook = await client.get(f"/api/v1/notebooks/{world.project_id}")
        user_as_project = await client.get(f"/api/v1/projects/{world.owner.user_id}")

    assert as_project.status_code == as_notebook.status_code == user_as_project.status_code == 404


async def test_objects_of_another_project_are_not_found(app: FastAPI, world: World) -> None:
    second = await build_world(app, prefix="b-")  # a second project, its own people

    async with world.owner.client(app) as client:
        notebook = await client.get(f"/api/v1/notebooks/{second.notebook_id}")
        members = await client.get(f"/api/v1/projects/{second.project_id}/members")
        their_member = await client.delete(
            f"/api/v1/projects/{world.project_id}/members/{second.editor.user_id}"
        )

    assert notebook.status_code == members.status_code == their_member.status_code == 404


async def create(client: httpx.AsyncClient, title: str) -> dict[str, object]:
    response = await client.post("/api/v1/projects", json={"title": title})
    body: dict[str, object] = response.json()
    return body


async def test_list_own_and_shared_with_filters_and_sort(app: FastAPI, world: World) -> None:
    async with world.viewer.client(app) as viewer, world.owner.client(app) as owner:
        await create(viewer, "Zebra finches")
        await create(viewer, "Attention study")
        archived = await create(viewer, "Old thing")
        await viewer.patch(f"/api/v1/projects/{archived['id']}", json={"archived": True})

        everything = (await viewer.get("/api/v1/projects", params={"sort": "title"})).json()
        searched = (await viewer.get("/api/v1/projects", params={"q": "STUDY"})).json()
        shared = (await viewer.get("/api/v1/projects", params={"role": "viewer"})).json()
        old = (await viewer.get("/api/v1/projects", params={"state": "archived"})).json()
        owners_view = (await owner.get("/api/v1/projects")).json()

    assert [p["title"] for p in everything["items"]] == [
        "Attention study",
        "Pilot study",
        "Zebra finches",
    ]
    assert {p["title"] for p in searched["items"]} == {"Attention study", "Pilot study"}
    assert [(p["title"], p["role"]) for p in shared["items"]] == [("Pilot study", "viewer")]
    assert [p["title"] for p in old["items"]] == ["Old thing"]
    assert [p["title"] for p in owners_view["items"]] == ["Pilot study"]


async def test_search_treats_wildcards_literally(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        await create(client, "100% sure")
        await create(client, "Other")
        found = (await client.get("/api/v1/projects", params={"q": "%"})).json()

    assert [p["title"] for p in found["items"]] == ["100% sure"]


async def test_a_bad_cursor_is_a_field_error(app: FastAPI) -> None:
    ada = await make_person(app, "ada")
    async with ada.client(app) as client:
        response = await client.get("/api/v1/projects", params={"cursor": "garbage!"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"
