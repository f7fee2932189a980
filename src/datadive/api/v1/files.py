"""/api/v1/…/files: upload, list, download, rename/move, copy and delete project files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse

from datadive.api.deps import DbSession, SettingsDep
from datadive.api.file_changes import FileChangesDep, StoreDep
from datadive.api.permissions import FilePermission, ProjectPermission
from datadive.api.uploads import FILE_FIELD, receive_upload
from datadive.auth.permissions import Action
from datadive.errors import Unavailable
from datadive.schemas.files import FileCopy, FilePublic, FileUpdate
from datadive.schemas.inputs import QueryBool
from datadive.schemas.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from datadive.schemas.text import OneLine
from datadive.services.data_files import file_previews, files, survey_definitions
from datadive.services.data_files.file_previews import MAX_PREVIEW_ROWS
from datadive.services.membership.access import FileAccess, ProjectAccess, project_access

router = APIRouter(tags=["files"])

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {"type": "string", "format": "binary"},
                        "path": {
                            "type": "string",
                            "description": "Where to put it: `name.csv`, `folder/name.csv`, "
                            "or a folder ending in `/`. Default: the uploaded file's name.",
                        },
                    },
                }
            }
        },
    }
}


@router.get("/projects/{project_id}/files", response_model=Page[FilePublic])
async def list_files(
    session: DbSession,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.FILE_READ))],
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[FilePublic]:
    found, next_cursor = await files.list_files(session, access=access, limit=limit, cursor=cursor)
    return Page(items=[FilePublic.model_validate(f) for f in found], next_cursor=next_cursor)


@router.post(
    "/projects/{project_id}/files",
    status_code=status.HTTP_201_CREATED,
    response_model=FilePublic,
    openapi_extra=UPLOAD_BODY,
    responses={409: {}, 413: {}, 415: {}},
)
async def upload_file(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    changes: FileChangesDep,
    access: Annotated[ProjectAccess, Depends(ProjectPermission(Action.FILE_UPLOAD))],
    overwrite: Annotated[
        QueryBool, Query(description="Replace a file already at the path: `true` or `false`.")
    ] = False,
) -> FilePublic:
    """Upload one file (`multipart/form-data`: `file`, optional `path`)."""
    async with receive_upload(
        request,
        limit=settings.max_upload_bytes,
        temp_dir=settings.resolved_data_dir / "uploads",
    ) as (upload, fields):
        change = await files.upload_file(
            session,
            access=access,
            store=changes.store,
            upload=upload,
            requested_path=fields.get("path"),
            overwrite=overwrite,
            quota_bytes=settings.project_quota_bytes,
        )
    changes.follow(access.project.id, change)
    return FilePublic.model_validate(change.file)


@router.get("/files/{file_id}", response_model=FilePublic)
async def read_file(
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_READ))],
) -> FilePublic:
    return FilePublic.model_validate(access.file)


@router.patch("/files/{file_id}", response_model=FilePublic, responses={409: {}})
async def update_file(
    data: FileUpdate,
    session: DbSession,
    changes: FileChangesDep,
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_EDIT))],
) -> FilePublic:
    """Rename, or move into folders (`{"path": "raw/survey.csv"}`)."""
    change = await files.move_file(
        session, access=access, new_path=data.path, overwrite=data.overwrite
    )
    changes.follow(access.project.id, change)
    return FilePublic.model_validate(change.file)


@router.delete("/files/{file_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_file(
    session: DbSession,
    changes: FileChangesDep,
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_DELETE))],
) -> None:
    change = await files.delete_file(session, access=access)
    changes.follow(access.project.id, change)


@router.post(
    "/files/{file_id}/copy",
    status_code=status.HTTP_201_CREATED,
    response_model=FilePublic,
    responses={409: {}, 413: {}},
)
async def copy_file(
    data: FileCopy,
    session: DbSession,
    settings: SettingsDep,
    changes: FileChangesDep,
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_READ))],
) -> FilePublic:
    """Copy to a project the caller can upload to (the same project under another `path`)."""
    target = await project_access(
        session, user=access.user, project_id=data.project_id, action=Action.FILE_UPLOAD
    )
    change = await files.copy_file(
        session,
        access=access,
        target=target,
        path=data.path,
        overwrite=data.overwrite,
        quota_bytes=settings.project_quota_bytes,
    )
    changes.follow(target.project.id, change)
    return FilePublic.model_validate(change.file)


def attachment(path: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(PurePosixPath(path).name, safe='')}"


@router.get(
    "/files/{file_id}/content",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def download_file(
    store: StoreDep,
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_READ))],
) -> StreamingResponse:
    """The file's bytes, as a download (never shown inline by a browser)."""
    file = access.file
    chunks = store.read(file.storage_key)
    try:
        first = await anext(chunks, b"")
    except FileNotFoundError:
        raise Unavailable(
            f"The stored bytes of {file.path!r} cannot be found; ask the administrator."
        ) from None

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        body(),
        media_type=file.content_type,
        headers={
            "Content-Disposition": attachment(file.path),
            "Content-Length": str(file.size),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{file.sha256}"',
            "Cache-Control": "private, no-cache",
        },
    )


@router.get("/files/{file_id}/preview")
async def preview_file(
    session: DbSession,
    store: StoreDep,
    access: Annotated[FileAccess, Depends(FilePermission(Action.FILE_READ))],
    rows: Annotated[int, Query(ge=1, le=MAX_PREVIEW_ROWS)] = 50,
    sheet: Annotated[OneLine | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The file's columns (type, measurement level, labels), its first rows and a profile of
    each column, read from the stored file without a kernel."""
    survey = await survey_definitions.survey_definition_for(session, file=access.file)
    return await file_previews.preview_file(
        access, store=store, rows=rows, sheet=sheet, survey=survey
    )
