"""Start and stop a project's Jupyter server from the project page: the same backend calls
and permission (`notebook.execute`) as POST/DELETE /api/v1/projects/{id}/server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from datadive.api.deps import BackendDep, ExecutorDep
from datadive.api.permissions import ProjectPermission
from datadive.auth.permissions import Action
from datadive.services.membership.access import ProjectAccess
from datadive.web.deps import SignedIn
from datadive.web.navigation import redirect
from datadive.web.project_page import project_url, server_status
from datadive.web.rendering import is_htmx, render, toast_headers

router = APIRouter()

ExecuteAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_EXECUTE))]


async def server_changed(
    request: Request, backend: BackendDep, access: ProjectAccess, message: str
) -> Response:
    if not is_htmx(request):
        return redirect(request, project_url(access.project.id, "server"))
    context = {
        "project": access.project,
        "server": await server_status(backend, access.project.id),
        "can_control": True,
    }
    return render(request, "partials/_project_server.html", context, headers=toast_headers(message))


@router.post("/projects/{project_id}/server/start")
async def start_server(
    request: Request, principal: SignedIn, backend: BackendDep, access: ExecuteAccess
) -> Response:
    """Answers once the server is up (a few seconds for a local one)."""
    await backend.ensure_server(access.project.id, user_id=access.user.id)
    return await server_changed(request, backend, access, "The Jupyter server is running.")


@router.post("/projects/{project_id}/server/stop")
async def stop_server(
    request: Request,
    principal: SignedIn,
    backend: BackendDep,
    executor: ExecutorDep,
    access: ExecuteAccess,
) -> Response:
    await executor.stop_server(access.project.id)
    return await server_changed(request, backend, access, "The Jupyter server was stopped.")
