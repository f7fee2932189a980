"""/api/v1/notebooks/{id}/variables/{name}/export: a table of the running kernel as a CSV or
Excel download, with formula-like cells neutralized (`services/data_files/table_export.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from datadive.api.deps import ExecutorDep
from datadive.api.permissions import NotebookPermission
from datadive.auth.permissions import Action
from datadive.schemas.text import OneLine
from datadive.services.data_files.table_export import (
    MAX_NAME_LENGTH,
    MEDIA_TYPES,
    ExportedTable,
    TableFormat,
    export_table,
)
from datadive.services.membership.access import NotebookAccess

router = APIRouter(tags=["notebooks"])
CHUNK_BYTES = 256 * 1024


async def chunks_of(table: ExportedTable) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(table.handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        table.handle.close()


@router.get(
    "/notebooks/{notebook_id}/variables/{name}/export",
    response_class=StreamingResponse,
    responses={
        200: {"content": {media_type: {} for media_type in MEDIA_TYPES.values()}},
        404: {"description": "No such notebook, or the kernel holds no table of that name."},
        409: {"description": "No kernel runs for the notebook, or it stays busy."},
    },
)
async def export_variable(
    executor: ExecutorDep,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_EXECUTE))],
    name: Annotated[OneLine, Path(max_length=MAX_NAME_LENGTH)],
    table_format: Annotated[TableFormat, Query(alias="format")] = "csv",
) -> StreamingResponse:
    """The pandas DataFrame `name` of the notebook's running kernel as a download. Text cells
    and column names starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a `'`
    in front, so that no spreadsheet runs them as formulas. Starts no server or kernel."""
    table = await export_table(
        executor, notebook=access.notebook, name=name, table_format=table_format
    )
    return StreamingResponse(
        chunks_of(table),
        media_type=table.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(table.filename, safe='')}",
            "Content-Length": str(table.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
