"""A template cell's form: apply it (the code is made anew, "Apply and run" runs it next), keep
it as a draft while it is typed, the columns its `column` / `columns` inputs can offer, and
warnings about numbers outside the data (`services/columns/column_checks.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from datadive.api.deps import DatabaseDep, DbSession, ExecutorDep
from datadive.api.file_changes import StoreDep
from datadive.auth.permissions import Action, require
from datadive.errors import DatadiveError
from datadive.schemas.cells import CellUpdate
from datadive.schemas.text import OneLine
from datadive.services.authoring import cells
from datadive.services.columns.column_checks import known_tables, range_warnings
from datadive.services.columns.column_sources import FormColumn, table_columns
from datadive.web.cell_forms import form_pairs, posted_inputs
from datadive.web.column_forms import FormPlace, check_columns, form_place, offered
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
        await check_columns(session, executor, access=access, spec=spec, inputs=inputs)
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


Place = Annotated[FormPlace, Depends(form_place)]


@router.get("/notebooks/{notebook_id}/columns")
async def column_choices(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    executor: ExecutorDep,
    store: StoreDep,
    access: EditAccess,
    place: Place,
    table: Annotated[OneLine, Query(max_length=200)] = "",
    levels: Annotated[OneLine, Query(max_length=100)] = "",
) -> Response:
    """The columns of `table` as the form's cell (`cell`, or a new one `after` another) can
    use them, with their labels and levels, as `<option>`s for `js/column-picker.js`: from
    the running kernel, else the profile of the file the table is read from. Only the
    `levels` asked for (and columns of unknown level). Nothing is started to find out."""
    found = await table_columns(
        session,
        executor,
        notebook=access.notebook,
        views=place.views,
        index=place.index,
        table=table,
        store=store,
    )
    columns: list[FormColumn] = offered(found, levels.replace(",", " ").split())
    context = {"columns": columns, "origin": found.origin if found is not None else ""}
    return render(request, "partials/_column_choices.html", context)


@router.get("/notebooks/{notebook_id}/form-checks")
async def form_checks(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    executor: ExecutorDep,
    store: StoreDep,
    access: EditAccess,
    place: Place,
) -> Response:
    """Warnings about the form's numbers that lie outside the data their `range_of` columns
    hold, as `<p data-input="…">` for `js/column-picker.js` to show next to each field; none
    when the data cannot be known. The form's fields come as `in.<input>` query parameters."""
    if place.spec is None:
        return render(request, "partials/_form_checks.html", {"warnings": {}})
    pairs = [(key, value) for key, value in request.query_params.multi_items()]
    inputs = posted_inputs(place.spec, pairs)
    known = await known_tables(
        session,
        executor,
        notebook=access.notebook,
        views=place.views,
        index=place.index,
        spec=place.spec,
        inputs=inputs,
        store=store,
        with_ranges=True,
    )
    warnings = range_warnings(place.spec, inputs, known)
    labels = {item.name: item.display_label for item in place.spec.inputs}
    context = {"warnings": {name: (labels[name], text) for name, text in warnings.items()}}
    return render(request, "partials/_form_checks.html", context)
