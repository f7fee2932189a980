"""SECURITY.md check 12: every project-scoped route, for owner, editor, viewer, another user
and an anonymous caller, answers as the permission table says.

The cases are generated from the routes and from `PERMISSIONS`: a new route with no request
sample here, or with no permission dependency, fails this test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from datadive.api.permissions import PERMISSION_DEPENDENCIES, MemberPermission
from datadive.api.v1 import PREFIX, ROUTERS
from datadive.auth.permissions import Role, is_allowed
from datadive.db.models import Project, ProjectMember
from datadive.db.types import utcnow
from tests.support.accounts import browser
from tests.support.cells import add_cell
from tests.support.world import World, build_world

Request = tuple[str, dict[str, Any] | None, dict[str, Any] | None]
Sample = Callable[[World, FastAPI], Awaitable[Request]]
Before = Callable[[World, FastAPI], Awaitable[dict[str, str] | None]]
UPLOAD = {"file": ("notes.csv", b"a,b\n1,2\n", "text/csv")}


async def delete_project_first(world: World, app: FastAPI) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(Project).where(Project.id == world.project_id).values(deleted_at=utcnow())
        )


async def start_server_first(world: World, app: FastAPI) -> None:
    await app.state.backend.ensure_server(world.project_id)


async def run_table_first(world: World, app: FastAPI) -> None:
    """The notebook's kernel runs and holds a table `df`, for the export route."""
    async with world.owner.client(app) as owner:
        cell = await add_cell(
            owner, world.notebook_id, "code", "import pandas as pd\ndf = pd.DataFrame({'a': [1]})"
        )
        ran = await owner.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 90})
        assert ran.json()["status"] == "ok", ran.text


async def upload_file_first(world: World, app: FastAPI) -> dict[str, str]:
    """`{f}`: a file of the project; `{t}`: a second project where every member of the
    first one (viewers too) may upload, the target of copies."""
    async with world.owner.client(app) as owner:
        uploaded = await owner.post(f"/api/v1/projects/{world.project_id}/files", files=UPLOAD)
        assert uploaded.status_code == 201, uploaded.text
        target = (await owner.post("/api/v1/projects", json={"title": "Target"})).json()["id"]
    async with app.state.database.transaction() as session:
        session.add_all(
            ProjectMember(project_id=target, user_id=person.user_id, role="editor")
            for person in (world.editor, world.viewer)
        )
    return {"f": uploaded.json()["id"], "t": target}


def sample(
    path: str,
    body: dict[str, Any] | None = None,
    *,
    before: Callable[[World, FastAPI], Awaitable[dict[str, str] | None]] | None = None,
    files: dict[str, Any] | None = None,
) -> Sample:
    async def make(world: World, app: FastAPI) -> Request:
        extra = await before(world, app) if before is not None else None
        ids = {
            "p": world.project_id,
            "n": world.notebook_id,
            "c": world.cell_id,
            "r": world.run_id,
            "u": world.colleague.user_id,
            **(extra or {}),
        }
        if body is None:
            return path.format(**ids), None, files
        filled = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
        return path.format(**ids), filled, files

    return make


# One request per route that the role under test may or may not make.
SAMPLES: dict[tuple[str, str], Sample] = {
    ("GET", "/api/v1/projects/{project_id}"): sample("/api/v1/projects/{p}"),
    ("PATCH", "/api/v1/projects/{project_id}"): sample("/api/v1/projects/{p}", {"title": "New"}),
    ("DELETE", "/api/v1/projects/{project_id}"): sample("/api/v1/projects/{p}"),
    ("POST", "/api/v1/projects/{project_id}/restore"): sample(
        "/api/v1/projects/{p}/restore", before=delete_project_first
    ),
    ("GET", "/api/v1/projects/{project_id}/members"): sample("/api/v1/projects/{p}/members"),
    ("POST", "/api/v1/projects/{project_id}/members"): sample(
        "/api/v1/projects/{p}/members", {"user": "other", "role": "viewer"}
    ),
    ("PATCH", "/api/v1/projects/{project_id}/members/{user_id}"): sample(
        "/api/v1/projects/{p}/members/{u}", {"role": "editor"}
    ),
    ("DELETE", "/api/v1/projects/{project_id}/members/{user_id}"): sample(
        "/api/v1/projects/{p}/members/{u}"
    ),
    ("GET", "/api/v1/projects/{project_id}/notebooks"): sample("/api/v1/projects/{p}/notebooks"),
    ("POST", "/api/v1/projects/{project_id}/notebooks"): sample(
        "/api/v1/projects/{p}/notebooks", {"title": "Second"}
    ),
    ("GET", "/api/v1/notebooks/{notebook_id}"): sample("/api/v1/notebooks/{n}"),
    ("PATCH", "/api/v1/notebooks/{notebook_id}"): sample("/api/v1/notebooks/{n}", {"title": "T"}),
    ("DELETE", "/api/v1/notebooks/{notebook_id}"): sample("/api/v1/notebooks/{n}"),
    ("POST", "/api/v1/notebooks/{notebook_id}/duplicate"): sample(
        "/api/v1/notebooks/{n}/duplicate"
    ),
    ("GET", "/api/v1/notebooks/{notebook_id}/export"): sample("/api/v1/notebooks/{n}/export"),
    ("GET", "/api/v1/notebooks/{notebook_id}/cells"): sample("/api/v1/notebooks/{n}/cells"),
    ("POST", "/api/v1/notebooks/{notebook_id}/cells"): sample(
        "/api/v1/notebooks/{n}/cells", {"kind": "code", "source": "x = 1"}
    ),
    ("GET", "/api/v1/cells/{cell_id}"): sample("/api/v1/cells/{c}"),
    ("PATCH", "/api/v1/cells/{cell_id}"): sample("/api/v1/cells/{c}", {"draft_inputs": {}}),
    ("DELETE", "/api/v1/cells/{cell_id}"): sample("/api/v1/cells/{c}"),
    ("POST", "/api/v1/cells/{cell_id}/move"): sample("/api/v1/cells/{c}/move", {"position": 0}),
    ("POST", "/api/v1/cells/{cell_id}/upgrade"): sample("/api/v1/cells/{c}/upgrade"),
    ("GET", "/api/v1/cells/{cell_id}/choices/{input_name}"): sample(
        "/api/v1/cells/{c}/choices/data"
    ),
    ("POST", "/api/v1/cells/{cell_id}/execute"): sample("/api/v1/cells/{c}/execute"),
    ("POST", "/api/v1/notebooks/{notebook_id}/execute"): sample("/api/v1/notebooks/{n}/execute"),
    ("GET", "/api/v1/notebooks/{notebook_id}/events"): sample(
        "/api/v1/notebooks/{n}/events?after=0&wait=0"
    ),
    ("GET", "/api/v1/runs/{run_id}"): sample("/api/v1/runs/{r}"),
    ("GET", "/api/v1/projects/{project_id}/server"): sample("/api/v1/projects/{p}/server"),
    ("POST", "/api/v1/projects/{project_id}/server"): sample("/api/v1/projects/{p}/server"),
    ("DELETE", "/api/v1/projects/{project_id}/server"): sample("/api/v1/projects/{p}/server"),
    ("GET", "/api/v1/projects/{project_id}/jupyterlab"): sample(
        "/api/v1/projects/{p}/jupyterlab?notebook_id={n}", before=start_server_first
    ),
    ("POST", "/api/v1/projects/{project_id}/kernel/{action}"): sample(
        "/api/v1/projects/{p}/kernel/interrupt", {"notebook_id": "{n}"}
    ),
    ("GET", "/api/v1/notebooks/{notebook_id}/variables/{name}/export"): sample(
        "/api/v1/notebooks/{n}/variables/df/export?format=csv", before=run_table_first
    ),
    ("GET", "/api/v1/projects/{project_id}/files"): sample("/api/v1/projects/{p}/files"),
    ("POST", "/api/v1/projects/{project_id}/files"): sample(
        "/api/v1/projects/{p}/files", files=UPLOAD
    ),
    ("GET", "/api/v1/files/{file_id}"): sample("/api/v1/files/{f}", before=upload_file_first),
    ("PATCH", "/api/v1/files/{file_id}"): sample(
        "/api/v1/files/{f}", {"path": "raw/notes.csv"}, before=upload_file_first
    ),
    ("DELETE", "/api/v1/files/{file_id}"): sample("/api/v1/files/{f}", before=upload_file_first),
    ("GET", "/api/v1/files/{file_id}/content"): sample(
        "/api/v1/files/{f}/content", before=upload_file_first
    ),
    ("GET", "/api/v1/files/{file_id}/preview"): sample(
        "/api/v1/files/{f}/preview", before=upload_file_first
    ),
    ("POST", "/api/v1/files/{file_id}/copy"): sample(
        "/api/v1/files/{f}/copy", {"project_id": "{t}"}, before=upload_file_first
    ),
}

# Routes that act on the caller's own account or on no project at all; tested elsewhere.
NOT_PROJECT_SCOPED = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/projects"),
    ("POST", "/api/v1/projects"),
}


def api_routes() -> list[tuple[str, str, APIRoute]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            found.extend((method, PREFIX + route.path, route) for method in sorted(route.methods))
    return found


NOT_PROJECT_SCOPED |= {
    (m, p) for m, p, _ in api_routes() if p.startswith(("/api/v1/auth", "/api/v1/cell-templates"))
}

CALLERS = ["owner", "editor", "viewer", "other", "anonymous"]


def permission_of(dependant: Dependant) -> Any:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, PERMISSION_DEPENDENCIES):
            return dependency.call
        if (found := permission_of(dependency)) is not None:
            return found
    return None


def project_routes() -> list[tuple[str, str, Any]]:
    routes = []
    for method, path, route in api_routes():
        if (method, path) in NOT_PROJECT_SCOPED:
            continue
        permission = permission_of(route.dependant)
        assert permission is not None, f"{method} {path} checks no permission"
        routes.append((method, path, permission))
    return routes


async def test_the_walked_routers_are_every_route_of_the_api(client: Any) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    published = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert published == {(m, p) for m, p, _ in api_routes()}


def test_every_project_route_has_a_request_sample() -> None:
    missing = {(m, p) for m, p, _ in project_routes()} - set(SAMPLES)
    assert not missing, f"add request samples for {sorted(missing)}"


def expected_status(permission: Any, caller: str) -> int | None:
    """None means success (any 2xx)."""
    if caller == "anonymous":
        return 401
    if caller == "other":
        return 404
    action = permission.action
    return None if is_allowed(Role(caller), action) else 403


CASES = [
    pytest.param(method, path, permission, caller, id=f"{method} {path} as {caller}")
    for method, path, permission in project_routes()
    for caller in CALLERS
]


@pytest.mark.parametrize(("method", "path", "permission", "caller"), CASES)
async def test_route_answers_as_the_permission_table_says(
    app: FastAPI, method: str, path: str, permission: Any, caller: str
) -> None:
    world = await build_world(app)
    url, body, files = await SAMPLES[(method, path)](world, app)
    client = browser(app) if caller == "anonymous" else world.person(caller).client(app)

    async with client:
        if files is not None:
            response = await client.request(method, url, files=files)
        else:
            response = await client.request(method, url, json=body)

    expected = expected_status(permission, caller)
    if expected is None:  # the JupyterLab hand-off succeeds with a redirect
        assert response.is_success or response.is_redirect, (response.status_code, response.text)
    else:
        assert response.status_code == expected, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_member_routes_let_members_act_on_themselves() -> None:
    member_permissions = [p for _, path, p in project_routes() if "{user_id}" in path]
    assert member_permissions
    assert all(isinstance(p, MemberPermission) for p in member_permissions)
