"""The notebook page's "Download a table" control: the pandas tables of the running kernel
(asked silently; nothing is started), and a plain GET form that leads to the export route
`/api/v1/notebooks/{id}/variables/{name}/export` (SECURITY.md check 24)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from datadive.api.deps import ExecutorDep
from datadive.schemas.text import OneLine
from datadive.services.data_files.table_export import MAX_NAME_LENGTH, check_table_name
from datadive.services.running.kernel_variables import dataframe_columns
from datadive.web.deps import SignedIn
from datadive.web.navigation import redirect
from datadive.web.notebook_page import ExecuteAccess
from datadive.web.rendering import render

router = APIRouter()


@router.get("/notebooks/{notebook_id}/tables")
async def table_choices(
    request: Request, principal: SignedIn, executor: ExecutorDep, access: ExecuteAccess
) -> Response:
    """The download form for the tables the kernel holds; a short note when it holds none
    or no kernel runs."""
    tables = sorted(await dataframe_columns(executor, notebook=access.notebook))
    context = {"notebook": access.notebook, "tables": tables}
    return render(request, "partials/_table_download.html", context)


@router.get("/notebooks/{notebook_id}/download-table")
async def download_table(
    request: Request,
    principal: SignedIn,
    access: ExecuteAccess,
    name: Annotated[OneLine, Query(max_length=MAX_NAME_LENGTH)],
    table_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv",
) -> Response:
    """The form's target: on to the export route, which checks everything again."""
    check_table_name(name)
    url = f"/api/v1/notebooks/{access.notebook.id}/variables/{quote(name, safe='')}/export"
    return redirect(request, f"{url}?format={table_format}")
