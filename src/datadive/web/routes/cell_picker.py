"""Adding a template cell: a page listing the templates by category with a search box, then
the chosen template's form; the cell is created with what the form says. Works without
scripts (plain links and forms)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import DbSession, ExecutorDep, SettingsDep
from datadive.auth.principal import Principal
from datadive.errors import DatadiveError
from datadive.schemas.cells import CellCreate
from datadive.schemas.text import OneLine
from datadive.services.authoring import cells
from datadive.services.authoring.cell_templates import get_template, list_templates, spec_of
from datadive.services.membership.access import NotebookAccess
from datadive.web.cell_forms import Pairs, build_fields, form_pairs, posted_inputs
from datadive.web.column_forms import check_columns
from datadive.web.deps import SignedIn
from datadive.web.file_import import with_survey_definition
from datadive.web.forms import failure_status, parse, settle
from datadive.web.navigation import redirect
from datadive.web.notebook_page import EditAccess, notebook_url, placement, project_file_paths
from datadive.web.rendering import render
from datadive.web.template_shelves import by_category

router = APIRouter()

MAX_LISTED = 500


async def tables_at(session: AsyncSession, access: NotebookAccess, after: str) -> list[str]:
    """Tables the cells up to `after` define: what a new cell there can use."""
    names: list[str] = []
    for view in await cells.load_cells(session, notebook_id=access.notebook.id):
        if not after:
            break
        names.extend(name for name in view.dataframes if name not in names)
        if view.cell.id == after:
            break
    return names


async def show_form(
    request: Request,
    session: AsyncSession,
    *,
    principal: Principal,
    access: NotebookAccess,
    after: str,
    template_id: str,
    pairs: Pairs | None = None,
    error: DatadiveError | None = None,
) -> Response:
    template = await get_template(session, user=principal.user, template_id=template_id)
    fields = build_fields(
        spec_of(template),
        saved=None,
        tables=await tables_at(session, access, after),
        files=await project_file_paths(session, access),
        pairs=pairs,
        error=error,
    )
    context: dict[str, Any] = {
        "notebook": access.notebook,
        "project": access.project,
        "after": after,
        "template": template,
        "fields": fields,
        "message": error.detail if error is not None else "",
        "can_edit": True,
    }
    status_code = failure_status(error) if error is not None else 200
    return render(request, "pages/cell_add.html", context, status_code=status_code)


@router.get("/notebooks/{notebook_id}/add")
async def pick_template(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    access: EditAccess,
    after: Annotated[OneLine, Query(max_length=64)] = "",
    q: Annotated[OneLine, Query(max_length=100)] = "",
    template: Annotated[OneLine, Query(max_length=64)] = "",
) -> Response:
    if template:
        return await show_form(
            request,
            session,
            principal=principal,
            access=access,
            after=after,
            template_id=template,
        )
    rows, _ = await list_templates(
        session,
        user=principal.user,
        category=None,
        search=q.strip() or None,
        limit=MAX_LISTED,
        cursor=None,
    )
    context = {
        "notebook": access.notebook,
        "project": access.project,
        "after": after,
        "query": q,
        "categories": by_category(rows),
        "template": None,
    }
    return render(request, "pages/cell_add.html", context)


@router.post("/notebooks/{notebook_id}/add")
async def add_template_cell(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    settings: SettingsDep,
    executor: ExecutorDep,
    access: EditAccess,
) -> Response:
    pairs = await form_pairs(request)
    fields = dict(pairs)
    after, template_id = fields.get("after", ""), fields.get("template_id", "")
    template = await get_template(session, user=principal.user, template_id=template_id)
    inputs = await with_survey_definition(
        session,
        project_id=access.project.id,
        template=spec_of(template),
        inputs=posted_inputs(spec_of(template), pairs),
    )
    try:
        await check_columns(
            session, executor, access=access, spec=spec_of(template), inputs=inputs, after=after
        )
        data = parse(
            CellCreate,
            {"kind": "template", "template_id": template.id, "inputs": inputs, **placement(after)},
        )
        view = await cells.create_cell(
            session,
            access=access,
            data=data,
            user=principal.user,
            max_cells=settings.max_cells_per_notebook,
        )
    except DatadiveError as error:
        await settle(session, error, principal.user, access.notebook, access.project)
        return await show_form(
            request,
            session,
            principal=principal,
            access=access,
            after=after,
            template_id=template_id,
            pairs=pairs,
            error=error,
        )
    return redirect(request, notebook_url(access.notebook, view.cell.id))
