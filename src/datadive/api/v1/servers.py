"""/api/v1/projects/{project_id}/server and /jupyterlab: the project's Jupyter server, started
and stopped by hand, and the way into JupyterLab on it.

Reading never starts anything: a server starts on `POST …/server` or when a cell runs. The
JupyterLab hand-off answers with a one-time login URL of the server, never with its token.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from datadive.api.deps import BackendDep, DbSession, ExecutorDep, SessionPrincipal, SettingsDep
from datadive.api.permissions import ProjectPermission
from datadive.auth.permissions import Action, is_allowed
from datadive.db.models import Notebook
from datadive.errors import Invalid
from datadive.execution.backend import ExecutionBackend, LoginForm, ServerNotRunning
from datadive.schemas.runs import ServerPublic
from datadive.schemas.text import OneLine
from datadive.services.membership.access import ProjectAccess
from datadive.web.rendering import CONTENT_SECURITY_POLICY

router = APIRouter(tags=["servers"])

ReadAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.PROJECT_READ))]
ExecuteAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.NOTEBOOK_EXECUTE))]
NOT_RUNNING = "The project's Jupyter server is not running; start it first (POST …/server)."


async def server_public(
    backend: ExecutionBackend, request: Request, base_url: str, access: ProjectAccess
) -> ServerPublic:
    state = await backend.status(access.project.id)
    link = None
    if state.running and is_allowed(access.role, Action.NOTEBOOK_EXECUTE):
        path = request.app.url_path_for("open_in_jupyterlab", project_id=access.project.id)
        link = base_url.rstrip("/") + path
    return ServerPublic(running=state.running, started_at=state.started_at, jupyterlab_url=link)


@router.get("/projects/{project_id}/server", response_model=ServerPublic)
async def read_server(
    request: Request, backend: BackendDep, settings: SettingsDep, access: ReadAccess
) -> ServerPublic:
    """Whether the project's Jupyter server runs; for members who may run code, the URL that
    opens JupyterLab on it."""
    return await server_public(backend, request, settings.base_url, access)


@router.post("/projects/{project_id}/server", response_model=ServerPublic)
async def start_server(
    request: Request, backend: BackendDep, settings: SettingsDep, access: ExecuteAccess
) -> ServerPublic:
    """Start the project's Jupyter server (nothing happens if it runs); answers once it is up.
    503 `servers-busy` when as many servers run as may (on the machine or for the caller) and
    none of those that could make room is idle: the least recently used idle one is stopped."""
    await backend.ensure_server(access.project.id, user_id=access.user.id)
    return await server_public(backend, request, settings.base_url, access)


@router.delete("/projects/{project_id}/server", status_code=status.HTTP_204_NO_CONTENT)
async def stop_server(executor: ExecutorDep, access: ExecuteAccess) -> None:
    """Stop the project's Jupyter server: kernels and their variables are gone (cells that ran
    read `idle`, not run since the restart), a run going on ends as an error, and JupyterLab
    windows lose their connection. The next run starts it."""
    await executor.stop_server(access.project.id)


@router.get(
    "/projects/{project_id}/jupyterlab",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={
        200: {
            "description": "On JupyterHub: a page whose form posts a one-time login code to "
            "the Hub (submitted at once by a script, or by a button).",
            "content": {"text/html": {}},
        },
        303: {"description": "On to the server's one-time login URL."},
    },
    response_model=None,
)
async def open_in_jupyterlab(
    session: DbSession,
    backend: BackendDep,
    principal: SessionPrincipal,
    access: ExecuteAccess,
    notebook_id: Annotated[OneLine | None, Query(max_length=64)] = None,
) -> Response:
    """For a signed-in browser: log in to the project's JupyterLab and open the notebook (or
    JupyterLab's start page). 409 when the server does not run: this GET starts nothing."""
    next_path = "/lab"
    if notebook_id is not None:
        notebook = await session.get(Notebook, notebook_id)
        if notebook is None or notebook.project_id != access.project.id:
            raise Invalid.field("notebook_id", "is not a notebook of this project")
        next_path = "/lab/tree/" + quote(notebook.path, safe="/")
    person = {"user_id": principal.user.id, "name": principal.user.username}
    try:
        form = await backend.login_form(access.project.id, next_path=next_path, **person)
    except NotImplementedError:
        pass
    else:
        if form is None:
            raise ServerNotRunning(NOT_RUNNING)
        return login_form_page(form)
    url = await backend.login_url(access.project.id, next_path=next_path, **person)
    if url is None:
        raise ServerNotRunning(NOT_RUNNING)
    # The URL holds a login code: no cache or referrer may keep it.
    return RedirectResponse(
        url,
        status_code=status.HTTP_303_SEE_OTHER,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def login_form_page(form: LoginForm) -> HTMLResponse:
    """The page that posts the login form to JupyterHub: the code travels in the body of a
    POST, so no URL, history entry, log line or `Referer` ever holds it."""
    fields = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in form.fields.items()
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Opening JupyterLab…</title>"
        '<script src="/static/js/auto-submit.js" defer></script></head><body>'
        f'<form method="post" action="{escape(form.action)}" data-auto-submit>{fields}'
        "<p>Opening the project's JupyterLab…</p>"
        '<button type="submit">Continue to JupyterLab</button></form></body></html>'
    )
    hub = urlsplit(form.action)
    policy = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action {hub.scheme}://{hub.netloc}"
    )
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )
