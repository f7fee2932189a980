"""Members: add, change role, transfer ownership, remove and leave (SECURITY.md check 13:
changes take effect on the very next request)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Project, ProjectMember
from tests.support.world import World, build_world, make_person


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def members_url(world: World, user_id: str = "") -> str:
    base = f"/api/v1/projects/{world.project_id}/members"
    return f"{base}/{user_id}" if user_id else base


async def roles(app: FastAPI, world: World) -> dict[str, str]:
    async with app.state.database.new_session() as session:
        rows = await session.execute(
            sa.select(ProjectMember.user_id, ProjectMember.role).where(
                ProjectMember.project_id == world.project_id
            )
        )
        return {row[0]: row[1] for row in rows}


@pytest.mark.parametrize("login", ["newcomer", "NewComer@Example.org"])
async def test_add_by_username_or_email(app: FastAPI, world: World, login: str) -> None:
    newcomer = await make_person(app, "newcomer")
    async with world.owner.client(app) as owner:
        added = await owner.post(members_url(world), json={"user": login, "role": "editor"})
        listed = (await owner.get(members_url(world))).json()

    assert added.status_code == 201
    assert added.json()["user"]["username"] == "newcomer"
    assert listed[0]["role"] == "owner"
    async with newcomer.client(app) as client:
        assert (await client.get(f"/api/v1/projects/{world.project_id}")).json()["role"] == "editor"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"user": "nobody", "role": "viewer"}, 422, "user"),
        ({"user": "unverified", "role": "viewer"}, 422, "user"),
        ({"user": "editor", "role": "viewer"}, 409, None),
        ({"user": "other", "role": "owner"}, 422, "role"),
        ({"user": "other", "role": "admin"}, 422, "role"),
        ({"user": "", "role": "viewer"}, 422, "user"),
        ({"user": "other", "role": "viewer", "is_admin": True}, 422, "is_admin"),
    ],
)
async def test_bad_additions_change_nothing(
    app: FastAPI, world: World, body: dict[str, object], status: int, field: str | None
) -> None:
    await make_person(app, "unverified", verified=False)
    before = await roles(app, world)

    async with world.owner.client(app) as owner:
        response = await owner.post(members_url(world), json=body)

    assert response.status_code == status, response.text
    if field:
        assert response.json()["errors"][0]["field"] == field
    assert await roles(app, world) == before


async def test_an_unverified_owner_cannot_share(app: FastAPI) -> None:
    shy = await make_person(app, "shy", verified=False)
    await make_person(app, "friend")
    async with shy.client(app) as client:
        project = (await client.post("/api/v1/projects", json={"title": "Mine"})).json()
        response = await client.post(
            f"/api/v1/projects/{project['id']}/members", json={"user": "friend"}
        )

    assert response.status_code == 403
    assert "Verify your email" in response.json()["detail"]


async def test_transferring_ownership_keeps_exactly_one_owner(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as owner:
        response = await owner.patch(
            members_url(world, world.editor.user_id), json={"role": "owner"}
        )
        manage_again = await owner.post(members_url(world), json={"user": "other"})

    assert response.status_code == 200
    current = await roles(app, world)
    assert current[world.editor.user_id] == "owner"
    assert current[world.owner.user_id] == "editor"
    assert list(current.values()).count("owner") == 1
    async with app.state.database.new_session() as session:
        project = await session.get(Project, world.project_id)
    assert project is not None
    assert project.owner_id == world.editor.user_id
    assert manage_again.status_code == 403


async def test_demoting_the_owner_is_refused(app: FastAPI, world: World) -> None:
    before = await roles(app, world)
    async with world.owner.client(app) as owner:
        response = await owner.patch(
            members_url(world, world.owner.user_id), json={"role": "editor"}
        )

    assert response.status_code == 409
    assert "owner" in response.json()["detail"]
    assert await roles(app, world) == before


async def test_the_owner_cannot_leave_or_be_removed(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as owner:
        response = await owner.delete(members_url(world, world.owner.user_id))

    assert response.status_code == 403
    assert "transfer ownership" in response.json()["detail"]
    assert world.owner.user_id in await roles(app, world)


async def test_members_can_leave(app: FastAPI, world: World) -> None:
    async with world.viewer.client(app) as viewer:
        left = await viewer.delete(members_url(world, world.viewer.user_id))
        after = await viewer.get(f"/api/v1/projects/{world.project_id}")

    assert left.status_code == 204
    assert after.status_code == 404


async def test_removal_and_downgrades_take_effect_on_the_next_request(
    app: FastAPI, world: World
) -> None:
    notebook = f"/api/v1/notebooks/{world.notebook_id}"
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        assert (await editor.patch(notebook, json={"title": "Mine"})).status_code == 200
        assert (await viewer.get(notebook)).status_code == 200

        async with world.owner.client(app) as owner:
            await owner.patch(members_url(world, world.editor.user_id), json={"role": "viewer"})
            await owner.delete(members_url(world, world.viewer.user_id))

        assert (await editor.patch(notebook, json={"title": "Again"})).status_code == 403
        assert (await editor.get(notebook)).status_code == 200
        assert (await viewer.get(notebook)).status_code == 404


async def test_acting_on_a_non_member_is_not_found(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as owner:
        patched = await owner.patch(
            members_url(world, world.other.user_id), json={"role": "viewer"}
        )
        deleted = await owner.delete(members_url(world, "no-such-user"))

    assert patched.status_code == deleted.status_code == 404
