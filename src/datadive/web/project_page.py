"""The project page, shared by the routes that change a project: its settings, notebooks,
files, members and Jupyter server. An htmx request gets back only the section it changed."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from datadive.auth.permissions import Action, Role, is_allowed
from datadive.errors import DatadiveError
from datadive.execution.backend import ExecutionBackend, ServerStatus
from datadive.services.authoring import notebooks
from datadive.services.data_files import files
from datadive.services.data_files.files import describe_bytes
from datadive.services.membership import projects
from datadive.services.membership.access import NotebookAccess, ProjectAccess
from datadive.web.file_view import group_by_folder
from datadive.web.forms import Form, failure_status, settle
from datadive.web.navigation import redirect
from datadive.web.rendering import is_htmx, render_page, toast_headers

SECTIONS = ("settings", "notebooks", "files", "members")
NOTEBOOKS_SHOWN = 200
FILES_SHOWN = 1000
ROLE_CHOICES = [
    ("viewer", "Viewer: reads and downloads"),
    ("editor", "Editor: also edits and runs"),
]
# A member's row: making someone the owner hands the project over (you become an editor).
MEMBER_ROLE_CHOICES = [("viewer", "Viewer"), ("editor", "Editor"), ("owner", "Owner (hand over)")]


def project_url(project_id: str, anchor: str = "") -> str:
    return f"/projects/{project_id}" + (f"#{anchor}" if anchor else "")


def as_project_access(access: NotebookAccess) -> ProjectAccess:
    return ProjectAccess(project=access.project, role=access.role, user=access.user)


def abilities(role: Role, *, archived: bool) -> dict[str, bool]:
    """What the page offers: the permission table decides, archived projects are read-only."""

    def may(action: Action) -> bool:
        return is_allowed(role, action)

    return {
        "edit": may(Action.PROJECT_UPDATE) and not archived,
        "archive": may(Action.PROJECT_ARCHIVE),
        "delete": may(Action.PROJECT_DELETE),
        "create_notebooks": may(Action.NOTEBOOK_CREATE) and not archived,
        "edit_notebooks": may(Action.NOTEBOOK_EDIT) and not archived,
        "delete_notebooks": may(Action.NOTEBOOK_DELETE) and not archived,
        "manage_members": may(Action.MEMBERS_MANAGE),
        "leave": may(Action.MEMBERS_LEAVE),
        "upload_files": may(Action.FILE_UPLOAD) and not archived,
        "edit_files": may(Action.FILE_EDIT) and not archived,
        "delete_files": may(Action.FILE_DELETE) and not archived,
    }


async def server_status(backend: ExecutionBackend, project_id: str) -> ServerStatus | None:
    """None when the backend cannot tell (a JupyterHub that does not answer): the page still
    shows everything else."""
    try:
        return await backend.status(project_id)
    except DatadiveError:
        return None


async def show_project(
    request: Request,
    session: AsyncSession,
    backend: ExecutionBackend,
    access: ProjectAccess,
    *,
    forms: Mapping[str, Form] | None = None,
    section: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    assert access.role is not None
    view = await projects.view_project(session, access=access)
    found, more = await notebooks.list_notebooks(
        session, access=access, status=None, limit=NOTEBOOKS_SHOWN, cursor=None
    )
    project_files, more_files = await files.list_files(
        session, access=access, limit=FILES_SHOWN, cursor=None
    )
    context = {
        "project": view.project,
        "role": view.role.value,
        "members": view.members,
        "me": access.user.id,
        "notebooks": found,
        "more_notebooks": more is not None,
        "folders": group_by_folder(project_files),
        "max_upload": describe_bytes(request.app.state.settings.max_upload_bytes),
        "file_count": len(project_files),
        "more_files": more_files is not None,
        "server": await server_status(backend, access.project.id),
        "can_control": is_allowed(view.role, Action.NOTEBOOK_EXECUTE),
        "can": abilities(view.role, archived=view.project.archived),
        "forms": dict(forms or {}),
        "empty_form": Form(),
        "role_choices": ROLE_CHOICES,
        "member_role_choices": MEMBER_ROLE_CHOICES,
    }
    return render_page(
        request,
        "pages/project.html",
        context,
        fragment=f"partials/_project_{section}.html" if section else None,
        status_code=status_code,
        headers=headers,
    )


async def show_rejected_form(
    request: Request,
    session: AsyncSession,
    backend: ExecutionBackend,
    access: ProjectAccess,
    *,
    error: DatadiveError,
    form_key: str,
    values: Mapping[str, str],
    fields: Collection[str],
    section: str,
) -> Response:
    """The project page (or, for htmx, the section) again after a refused form: the message
    next to each field, what the user typed kept, the failed attempt settled first."""
    await settle(session, error, access.user, access.project)
    form = Form.rejected(dict(values), error, fields=tuple(fields))
    return await show_project(
        request,
        session,
        backend,
        access,
        forms={form_key: form},
        section=section,
        status_code=failure_status(error),
    )


async def section_changed(
    request: Request,
    session: AsyncSession,
    backend: ExecutionBackend,
    access: ProjectAccess,
    message: str,
    *,
    section: str,
) -> Response:
    """htmx: the section again, with a toast; otherwise back to that section of the page."""
    if is_htmx(request):
        return await show_project(
            request, session, backend, access, section=section, headers=toast_headers(message)
        )
    return redirect(request, project_url(access.project.id, section))
