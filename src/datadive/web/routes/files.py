"""Files on the project page: upload (a plain multipart form; `static/js/uploads.js` sends
the same files to the JSON API with a progress bar), rename/move and delete. The same
services, limits and permission checks as /api/v1/…/files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from datadive.api.deps import BackendDep, DbSession, SettingsDep
from datadive.api.file_changes import FileChangesDep
from datadive.api.permissions import FilePermission, ProjectPermission
from datadive.api.uploads import receive_upload
from datadive.auth.permissions import Action
from datadive.errors import Conflict, DatadiveError, Invalid
from datadive.schemas.files import FileUpdate
from datadive.services.data_files import files
from datadive.services.membership.access import FileAccess, ProjectAccess
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import parse, require_filled
from datadive.web.project_page import section_changed, show_project, show_rejected_form

router = APIRouter()

UPLOAD_FIELDS = ("file", "folder")
TRUE_VALUES = {"1", "true", "on", "yes"}
REPLACE_HINT = "Tick “Replace a file with the same name” and upload it again to replace it."

ReadAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.FILE_READ))]
UploadAccess = Annotated[ProjectAccess, Depends(ProjectPermission(Action.FILE_UPLOAD))]
EditAccess = Annotated[FileAccess, Depends(FilePermission(Action.FILE_EDIT))]
DeleteAccess = Annotated[FileAccess, Depends(FilePermission(Action.FILE_DELETE))]


def as_project_access(access: FileAccess) -> ProjectAccess:
    return ProjectAccess(project=access.project, role=access.role, user=access.user)


def no_file() -> Invalid:
    return Invalid.field("file", "is required: choose a file to upload")


def page_error(error: DatadiveError) -> DatadiveError:
    """The API's messages name its query parameter and form parts; the page names its
    controls."""
    if isinstance(error, Invalid) and any(
        problem.field == "file" and "no `file` part" in problem.message for problem in error.errors
    ):
        return no_file()
    if not isinstance(error, Conflict) or "overwrite=true" not in error.detail:
        return error
    path = error.detail.split(";")[0]
    return Conflict(f"{path}. {REPLACE_HINT}")


def folder_path(folder: str) -> str | None:
    """The form's folder as the upload's `path` (a folder ends in `/`); None: the top level."""
    folder = folder.strip().strip("/")
    return f"{folder}/" if folder else None


@router.get("/projects/{project_id}/files")
async def files_section(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    backend: BackendDep,
    access: ReadAccess,
) -> Response:
    """The files section alone for htmx (the upload script refreshes it); else the page."""
    return await show_project(request, session, backend, access, section="files")


@router.post("/projects/{project_id}/files")
async def upload_file(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    settings: SettingsDep,
    changes: FileChangesDep,
    backend: BackendDep,
    access: UploadAccess,
) -> Response:
    """One file from `<form enctype="multipart/form-data">`: `file`, `folder`, `overwrite`."""
    values: dict[str, str] = {}
    try:
        async with receive_upload(
            request,
            limit=settings.max_upload_bytes,
            temp_dir=settings.resolved_data_dir / "uploads",
        ) as (upload, fields):
            values = {name: fields.get(name, "") for name in ("folder", "overwrite")}
            if not upload.filename and upload.size == 0:
                raise no_file()
            change = await files.upload_file(
                session,
                access=access,
                store=changes.store,
                upload=upload,
                requested_path=folder_path(values["folder"]),
                overwrite=values["overwrite"].lower() in TRUE_VALUES,
                quota_bytes=settings.project_quota_bytes,
            )
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            access,
            error=page_error(error),
            form_key="upload",
            values=values,
            fields=UPLOAD_FIELDS,
            section="files",
        )
    changes.follow(access.project.id, change)
    assert change.file is not None
    return await section_changed(
        request, session, backend, access, f"“{change.file.path}” uploaded.", section="files"
    )


@router.post("/files/{file_id}/move")
async def move_file(
    request: Request,
    principal: SignedIn,
    values: FormFields,
    session: DbSession,
    changes: FileChangesDep,
    backend: BackendDep,
    access: EditAccess,
) -> Response:
    """Rename, or move into folders: the new path (`raw/survey.csv`)."""
    project_access = as_project_access(access)
    file_id = access.file.id
    try:
        require_filled(values, "path")
        data = parse(
            FileUpdate,
            {
                "path": values["path"].strip(),
                "overwrite": values.get("overwrite", "").lower() in TRUE_VALUES,
            },
        )
        change = await files.move_file(
            session, access=access, new_path=data.path, overwrite=data.overwrite
        )
    except DatadiveError as error:
        return await show_rejected_form(
            request,
            session,
            backend,
            project_access,
            error=page_error(error),
            form_key=f"move:{file_id}",
            values=values,
            fields=("path",),
            section="files",
        )
    changes.follow(access.project.id, change)
    return await section_changed(
        request,
        session,
        backend,
        project_access,
        f"Moved to “{access.file.path}”.",
        section="files",
    )


@router.post("/files/{file_id}/delete")
async def delete_file(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    changes: FileChangesDep,
    backend: BackendDep,
    access: DeleteAccess,
) -> Response:
    path = access.file.path
    change = await files.delete_file(session, access=access)
    changes.follow(access.project.id, change)
    return await section_changed(
        request, session, backend, as_project_access(access), f"“{path}” deleted.", section="files"
    )
