"""Every page route that works on a project, for owner, editor, viewer, another user and an
anonymous caller, answers as the permission table says: pages go through the same `require`
as the JSON API, hide what a role may not do, and answer 404 for what the caller may not see.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute

from datadive.auth.permissions import Action, Role, is_allowed
from datadive.db.models import Cell, Project
from datadive.db.types import utcnow
from datadive.services.data_files.files import store_file
from datadive.web.routes import ROUTERS
from tests.support.accounts import browser
from tests.support.cells import store_outputs, template_id
from tests.support.world import World, build_world


async def delete_project_first(world: World, app: FastAPI) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Project).where(Project.id == world.project_id).values(deleted_at=utcnow())
        )


@dataclass(frozen=True)
class PageCase:
    method: str
    path: str
    action: Action
    form: dict[str, str] | None = None
    before: Callable[[World, FastAPI], Awaitable[None]] | None = None
    upload: bool = False

    def url(self, world: World, file_id: str = "") -> str:
        return self.path.format(
            p=world.project_id,
            n=world.notebook_id,
            c=world.cell_id,
            u=world.colleague.user_id,
            k="interrupt",
            f=file_id,
        )


SCORES = b"id;score\n1;2,5\n2;3,5\n"


async def add_file(world: World, app: FastAPI, folder: Path) -> str:
    """A CSV file in the world's project, stored as an upload would store it."""
    source = folder / "scores.csv"
    source.write_bytes(SCORES)
    async with app.state.database.transaction() as session:
        change = await store_file(
            session,
            project_id=world.project_id,
            path="scores.csv",
            source=source,
            sha256=hashlib.sha256(SCORES).hexdigest(),
            size=len(SCORES),
            store=app.state.file_store,
            overwrite=False,
            quota_bytes=app.state.settings.project_quota_bytes,
        )
        assert change.file is not None
        return change.file.id


async def make_the_cell_code_first(world: World, app: FastAPI) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Cell)
            .where(Cell.id == world.cell_id)
            .values(kind="code", template_id=None, template_version=None, inputs=None)
        )


async def show_html_first(world: World, app: FastAPI) -> None:
    html = {"output_type": "display_data", "data": {"text/html": "<b>widget</b>"}}
    await store_outputs(app, world.cell_id, [html])


DESCRIPTIVES = template_id("descriptives")
PAGES = [
    PageCase("GET", "/projects/{p}", Action.PROJECT_READ),
    PageCase("GET", "/projects/{p}/server", Action.PROJECT_READ),
    PageCase("POST", "/projects/{p}/settings", Action.PROJECT_UPDATE, {"title": "Renamed"}),
    PageCase("POST", "/projects/{p}/archive", Action.PROJECT_ARCHIVE),
    PageCase("POST", "/projects/{p}/unarchive", Action.PROJECT_ARCHIVE),
    PageCase("GET", "/projects/{p}/delete", Action.PROJECT_DELETE),
    PageCase(
        "POST", "/projects/{p}/delete", Action.PROJECT_DELETE, {"confirm_title": "Pilot study"}
    ),
    PageCase("POST", "/projects/{p}/restore", Action.PROJECT_DELETE, before=delete_project_first),
    PageCase("POST", "/projects/{p}/notebooks", Action.NOTEBOOK_CREATE, {"title": "New one"}),
    PageCase("GET", "/notebooks/{n}", Action.NOTEBOOK_READ),
    PageCase("POST", "/notebooks/{n}/rename", Action.NOTEBOOK_EDIT, {"title": "Renamed"}),
    PageCase("POST", "/notebooks/{n}/delete", Action.NOTEBOOK_DELETE),
    PageCase(
        "POST",
        "/projects/{p}/members",
        Action.MEMBERS_MANAGE,
        {"user": "{prefix}other", "role": "viewer"},
    ),
    PageCase("POST", "/projects/{p}/members/{u}/role", Action.MEMBERS_MANAGE, {"role": "editor"}),
    PageCase("POST", "/projects/{p}/members/{u}/remove", Action.MEMBERS_MANAGE),
    # The notebook workspace (runs and server starts use a real Jupyter server).
    PageCase("GET", "/notebooks/{n}/cells", Action.NOTEBOOK_READ),
    PageCase("GET", "/notebooks/{n}/add", Action.NOTEBOOK_EDIT),
    PageCase("POST", "/notebooks/{n}/cells", Action.NOTEBOOK_EDIT, {"kind": "code"}),
    PageCase(
        "POST",
        "/notebooks/{n}/add",
        Action.NOTEBOOK_EDIT,
        {"template_id": DESCRIPTIVES, "in.data": "df"},
    ),
    PageCase("POST", "/notebooks/{n}/run", Action.NOTEBOOK_EXECUTE),
    PageCase("POST", "/notebooks/{n}/kernel/{k}", Action.NOTEBOOK_EXECUTE),
    PageCase("GET", "/cells/{c}", Action.NOTEBOOK_READ),
    PageCase("GET", "/cells/{c}/outputs/0", Action.NOTEBOOK_READ, before=show_html_first),
    PageCase(
        "POST",
        "/cells/{c}/code",
        Action.NOTEBOOK_EDIT,
        {"source": "x = 1"},
        before=make_the_cell_code_first,
    ),
    PageCase("POST", "/cells/{c}/run", Action.NOTEBOOK_EXECUTE),
    PageCase("POST", "/cells/{c}/move", Action.NOTEBOOK_EDIT, {"direction": "down"}),
    PageCase("POST", "/cells/{c}/inputs", Action.NOTEBOOK_EDIT, {"in.data": "df"}),
    PageCase("POST", "/cells/{c}/draft", Action.NOTEBOOK_EDIT, {"in.data": "d"}),
    PageCase("POST", "/projects/{p}/server/start", Action.NOTEBOOK_EXECUTE),
    PageCase("POST", "/projects/{p}/server/stop", Action.NOTEBOOK_EXECUTE),
    # Files: the project page's panel and the file page.
    PageCase("GET", "/projects/{p}/files", Action.FILE_READ),
    PageCase("POST", "/projects/{p}/files", Action.FILE_UPLOAD, upload=True),
    PageCase("GET", "/files/{f}", Action.FILE_READ),
    PageCase("POST", "/files/{f}/move", Action.FILE_EDIT, {"path": "raw/scores.csv"}),
    PageCase("POST", "/files/{f}/delete", Action.FILE_DELETE),
    PageCase("POST", "/files/{f}/use", Action.NOTEBOOK_EDIT, {"notebook": "{n}"}),
]
CALLERS = ["owner", "editor", "viewer", "other", "anonymous"]
ROLES = {"owner": Role.OWNER, "editor": Role.EDITOR, "viewer": Role.VIEWER}


def test_every_project_page_route_is_in_the_matrix() -> None:
    covered = {(case.method, re.sub(r"\{\w\}", "{}", case.path)) for case in PAGES}
    routes = {
        (method, re.sub(r"\{\w+\}", "{}", route.path))
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and any(
            f"{{{name}}}" in route.path
            for name in ("project_id", "notebook_id", "cell_id", "file_id")
        )
        for method in route.methods
    }
    assert routes - covered == set()


@pytest.mark.parametrize("case", PAGES, ids=lambda case: f"{case.method} {case.path}")
async def test_page_answers_as_the_permission_table_says(
    app: FastAPI, case: PageCase, tmp_path: Path
) -> None:
    # One world per caller (a state change by one must not decide another's answer), all
    # in one app: building the app is what costs time.
    for number, caller in enumerate(CALLERS):
        world = await build_world(app, prefix=f"w{number}-")
        if case.before is not None:
            await case.before(world, app)
        file_id = await add_file(world, app, tmp_path) if "{f}" in case.path else ""
        client = browser(app) if caller == "anonymous" else world.person(caller).client(app)
        form = {
            k: v.format(prefix=f"w{number}-", n=world.notebook_id)
            for k, v in (case.form or {}).items()
        }
        files = {"file": ("new.csv", SCORES, "text/csv")} if case.upload else None
        async with client:
            response = await client.request(
                case.method, case.url(world, file_id), data=form or None, files=files
            )

        if caller == "anonymous":
            assert response.status_code == 303, caller
            assert response.headers["location"].startswith("/sign-in")
        elif caller == "other":
            assert response.status_code == 404, caller
            assert "Not found" in response.text
        elif is_allowed(ROLES[caller], case.action):
            assert response.status_code in {200, 204, 303}, (caller, response.text)
        else:
            assert response.status_code == 403, caller
            assert "Not allowed" in response.text


@pytest.mark.parametrize(
    ("caller", "shown", "hidden"),
    [
        (
            "viewer",
            [],
            [
                "Create notebook",
                "Save changes",
                "Add member",
                "Delete project",
                "Rename",
                "Upload files",
            ],
        ),
        (
            "editor",
            ["Create notebook", "Save changes", "Rename", "Upload files"],
            ["Add member", "Delete project", "Archive project"],
        ),
        (
            "owner",
            ["Create notebook", "Save changes", "Add member", "Delete project", "Archive project"],
            [],
        ),
    ],
)
async def test_the_project_page_offers_only_what_the_role_may_do(
    app: FastAPI, caller: str, shown: list[str], hidden: list[str]
) -> None:
    world = await build_world(app)
    async with world.person(caller).client(app) as client:
        page = (await client.get(f"/projects/{world.project_id}")).text

    assert f"You are {caller}" in page
    for control in shown:
        assert control in page, control
    for control in hidden:
        assert control not in page, control


async def test_a_viewer_can_leave_but_not_remove_others(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as client:
        page = (await client.get(f"/projects/{world.project_id}")).text
        assert "Leave project" in page
        refused = await client.post(
            f"/projects/{world.project_id}/members/{world.colleague.user_id}/remove"
        )
        left = await client.post(
            f"/projects/{world.project_id}/members/{world.viewer.user_id}/remove"
        )
        gone = await client.get(f"/projects/{world.project_id}")

    assert refused.status_code == 403
    assert left.status_code == 303
    assert gone.status_code == 404
