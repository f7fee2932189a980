"""The file page: metadata, a preview of the first rows with a profile and the labels of each
column (`services.data_files.file_previews`, as GET /api/v1/files/{id}/preview), the rows an
import leaves out, a download link, and "Use in notebook", which adds the cell that loads the
file to a notebook of the project (with the survey definition of a Qualtrics export)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import DbSession, SettingsDep
from datadive.api.file_changes import StoreDep
from datadive.api.permissions import FilePermission
from datadive.auth.permissions import Action, is_allowed
from datadive.db.lengths import column_length, fitted
from datadive.db.models import File, Notebook
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.cells import CellCreate
from datadive.schemas.notebooks import NotebookCreate
from datadive.schemas.text import OneLine
from datadive.services.authoring import cells, notebooks
from datadive.services.data_files import file_previews, survey_definitions
from datadive.services.membership.access import (
    FileAccess,
    ProjectAccess,
    notebook_access,
    project_access,
)
from datadive.storage.base import FileStore
from datadive.web import file_view
from datadive.web.deps import FormFields, SignedIn
from datadive.web.file_import import import_plan
from datadive.web.forms import Form, failure_status, parse, settle
from datadive.web.navigation import redirect
from datadive.web.rendering import render

router = APIRouter()

PREVIEW_ROWS = 20
NOTEBOOKS_OFFERED = 200
NEW_NOTEBOOK = "new"

ReadAccess = Annotated[FileAccess, Depends(FilePermission(Action.FILE_READ))]
# Adding the import cell edits a notebook of the file's project.
UseAccess = Annotated[FileAccess, Depends(FilePermission(Action.NOTEBOOK_EDIT))]
Sheet = Annotated[OneLine | None, Query(max_length=200)]


def file_url(file_id: str) -> str:
    return f"/files/{file_id}"


async def load_preview(
    access: FileAccess, store: FileStore, sheet: str | None, survey: File | None
) -> tuple[dict[str, Any] | None, str]:
    """The preview, or why there is none (an unreadable file is a message, not an error)."""
    try:
        preview = await file_previews.preview_file(
            access, store=store, rows=PREVIEW_ROWS, sheet=sheet, survey=survey
        )
    except DatadiveError as problem:
        return None, problem.detail
    return preview, ""


async def show_file(
    request: Request,
    session: AsyncSession,
    store: FileStore,
    access: FileAccess,
    *,
    sheet: str | None = None,
    form: Form | None = None,
    status_code: int = 200,
) -> Response:
    assert access.role is not None
    file = access.file
    metadata = dict(file.file_metadata or {})
    survey = await survey_definitions.survey_definition_for(session, file=file)
    preview, problem = await load_preview(access, store, sheet, survey)
    project = ProjectAccess(project=access.project, role=access.role, user=access.user)
    writable = not access.project.archived
    can_use = is_allowed(access.role, Action.NOTEBOOK_EDIT) and writable
    plan = import_plan(file, sheet=sheet, survey=survey) if can_use else None
    found: list[Notebook] = []
    if plan is not None:
        found, _more = await notebooks.list_notebooks(
            session, access=project, status=None, limit=NOTEBOOKS_OFFERED, cursor=None
        )
    sheets = [str(item.get("name")) for item in metadata.get("sheets") or []]
    context = {
        "project": access.project,
        "file": file,
        "row": file_view.file_row(file),
        "metadata": metadata,
        "preview": preview,
        "problem": problem or str(metadata.get("problem") or ""),
        "profiles": file_view.profiles_by_name(preview or {}),
        "sheets": sheets,
        "sheet": (preview or {}).get("sheet") or sheet or metadata.get("sheet") or "",
        "plan": plan,
        "notebooks": found,
        "can_create_notebooks": is_allowed(access.role, Action.NOTEBOOK_CREATE) and writable,
        "form": form or Form(),
        "show": file_view.show_value,
        "value_labels": file_view.value_labels,
        "profile_summary": file_view.profile_summary,
        "row_marks": file_view.row_marks(preview or {}),
        "left_out": file_view.left_out_summary(preview or {}),
        "survey": survey,
        "delimiters": file_view.DELIMITER_NAMES,
        "decimals": file_view.DECIMAL_NAMES,
        "stem": PurePosixPath(file.path).stem,
    }
    return render(request, "pages/file.html", context, status_code=status_code)


@router.get("/files/{file_id}")
async def file_page(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    store: StoreDep,
    access: ReadAccess,
    sheet: Sheet = None,
) -> Response:
    return await show_file(request, session, store, access, sheet=sheet or None)


async def target_notebook(
    session: AsyncSession, access: FileAccess, values: dict[str, str]
) -> Notebook:
    """The chosen notebook of the file's project, or a new one."""
    chosen = values.get("notebook", "").strip()
    if chosen == NEW_NOTEBOOK:
        project = await project_access(
            session, user=access.user, project_id=access.project.id, action=Action.NOTEBOOK_CREATE
        )
        # A file's name may be longer than a title can be: the derived title is shortened.
        stem = fitted(PurePosixPath(access.file.path).stem, limit=column_length(Notebook.title))
        title = values.get("title", "").strip() or stem
        data = parse(NotebookCreate, {"title": title})
        return await notebooks.create_notebook(session, access=project, data=data)
    if not chosen:
        raise Invalid.field("notebook", "is required: choose a notebook")
    target = await notebook_access(
        session, user=access.user, notebook_id=chosen, action=Action.NOTEBOOK_EDIT
    )
    if target.project.id != access.project.id:
        raise Invalid.field("notebook", "must be a notebook of this project")
    return target.notebook


@router.post("/files/{file_id}/use")
async def use_in_notebook(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    settings: SettingsDep,
    store: StoreDep,
    access: UseAccess,
) -> Response:
    """Add the cell that loads this file at the end of a notebook, then open the notebook."""
    sheet = values.get("sheet") or None
    try:
        survey = await survey_definitions.survey_definition_for(session, file=access.file)
        plan = import_plan(access.file, sheet=sheet, survey=survey)
        if plan is None:
            raise Invalid.field("file", "cannot be loaded by a built-in import cell")
        notebook = await target_notebook(session, access, values)
        target = await notebook_access(
            session, user=access.user, notebook_id=notebook.id, action=Action.NOTEBOOK_EDIT
        )
        data = CellCreate(kind="template", template_id=plan.template_id, inputs=plan.inputs)
        view = await cells.create_cell(
            session,
            access=target,
            data=data,
            user=principal.user,
            max_cells=settings.max_cells_per_notebook,
        )
    except DatadiveError as error:
        await settle(session, error, principal.user, access.file, access.project)
        form = Form.rejected(values, error, fields=("notebook", "title"))
        return await show_file(
            request,
            session,
            store,
            access,
            sheet=sheet,
            form=form,
            status_code=failure_status(error),
        )
    return redirect(request, f"/notebooks/{notebook.id}?notice=cell-added#cell-{view.cell.id}")
