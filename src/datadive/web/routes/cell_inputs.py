"""A template cell's form: apply it (the code is made anew, "Apply and run" runs it next), keep
it as a draft while it is typed, and the columns its `column` / `columns` inputs can offer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from datadive.api.deps import DatabaseDep, DbSession, ExecutorDep
from datadive.auth.permissions import Action, require
from datadive.errors import DatadiveError
from datadive.schemas.cells import CellUpdate
from datadive.services import cells
from datadive.services.kernel_variables import dataframe_columns
from datadive.web.cell_forms import form_pairs, posted_inputs
from datadive.web.deps import SignedIn
from datadive.web.notebook_page import (
    CellEditAccess,
    EditAccess,
    done,
    render_cell,
    template_spec,
    update_apart,
)
from datadive.web.rendering import is_htmx, render, toast_headers

router = APIRouter()


@router.post("/cells/{cell_id}/inputs")
async def apply_inputs(
    request: Request,
    principal: SignedIn,
    database: DatabaseDep,
    session: DbSession,
    executor: ExecutorDep,
    access: CellEditAccess,
) -> Response:
    """Apply a template cell's form (the code is made anew); "Apply and run" runs it next.
    Bad values come back next to their fields, with everything the user typed."""
    pairs = await form_pairs(request)
    then_run = ("then", "run") in pairs
    if then_run:
        require(access.role, Action.NOTEBOOK_EXECUTE)
    spec = await template_spec(session, access, field="inputs")
    inputs = posted_inputs(spec, pairs)
    try:
        applied = await update_apart(database, access, CellUpdate(inputs=inputs))
    except DatadiveError as error:
        return await render_cell(request, session, access, pairs=pairs, error=error)
    changed = (applied.cell.inputs, applied.cell.source) != (access.cell.inputs, access.cell.source)
    if then_run:
        await executor.start_cell_run(access=applied)
    message = applied_message(changed=changed, then_run=then_run)
    if not is_htmx(request):
        return done(request, access.notebook, message, access.cell.id)
    # The cell as it is now, so that its code view shows the code that was applied (and runs).
    async with database.new_session() as fresh:
        return await render_cell(request, fresh, applied, headers=toast_headers(message))


def applied_message(*, changed: bool, then_run: bool) -> str:
    if then_run:
        return "Applied; the cell is queued to run." if changed else "The cell is queued to run."
    return "The form was applied." if changed else "Nothing changed in the form."


@router.post("/cells/{cell_id}/draft")
async def save_draft(
    request: Request, principal: SignedIn, session: DbSession, access: CellEditAccess
) -> Response:
    """Keep a template form as it is being typed (not checked, not applied), so that a
    reload or another device shows it; "Apply" or running applies it."""
    pairs = await form_pairs(request)
    spec = await template_spec(session, access, field="draft_inputs")
    draft = posted_inputs(spec, pairs)
    await cells.update_cell(session, access=access, data=CellUpdate(draft_inputs=draft))
    return Response(status_code=204)


@router.get("/notebooks/{notebook_id}/columns")
async def column_choices(
    request: Request,
    principal: SignedIn,
    executor: ExecutorDep,
    access: EditAccess,
    table: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The columns of `table` in the notebook's running kernel, as `<option>`s for a form's
    `<datalist>`; none when no kernel runs (nothing is started to find out)."""
    columns = (await dataframe_columns(executor, notebook=access.notebook)).get(table, [])
    return render(request, "partials/_column_choices.html", {"columns": columns})
