"""The template editor: create a template (or a copy of one), edit your own — each save is a
new version — and the live preview of the form and code a template makes. The same services
as /api/v1/cell-templates; they decide who may change what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import DbSession
from datadive.auth.principal import Principal
from datadive.db.models import CellTemplate
from datadive.errors import Conflict, Invalid
from datadive.schemas.text import OneLine
from datadive.services.authoring import cell_templates
from datadive.web.deps import FormFields, SignedIn
from datadive.web.forms import Form, failure_status, settle
from datadive.web.navigation import redirect
from datadive.web.rendering import render, render_page
from datadive.web.template_editing import (
    VISIBILITIES,
    chosen_visibility,
    form_values,
    rejected_form,
    slug_from,
    template_data,
)
from datadive.web.template_preview import build_preview

router = APIRouter()

TemplateId = Annotated[OneLine, Path(max_length=64)]
CopyOf = Annotated[OneLine, Query(max_length=64)]
# After a save, the library: the template is listed there, and the editor's address never
# keeps a "saved" notice that a later refused save would contradict.
LIBRARY_SAVED = "/templates?notice=saved"


async def show_editor(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    form: Form,
    template: CellTemplate | None,
    status_code: int = 200,
) -> Response:
    """The editor; `template` is the newest version of the one being edited (None: a new one).
    For htmx, only the form and its preview (a refused save)."""
    context = {
        "form": form,
        "template": template,
        "preview": build_preview(form.values),
        "categories": await cell_templates.list_categories(session, user=principal.user),
        "visibilities": list(VISIBILITIES.items()),
    }
    return render_page(
        request,
        "pages/template_edit.html",
        context,
        fragment="partials/_template_editor.html",
        status_code=status_code,
    )


def show_template(request: Request, template: CellTemplate) -> Response:
    """A template the viewer may use but not change: a built-in one or another's public one."""
    values = form_values(template)
    context = {"template": template, "values": values, "preview": build_preview(values)}
    return render(request, "pages/template_view.html", context)


@router.get("/templates/new")
async def new_template(
    request: Request, principal: SignedIn, session: DbSession, copy: CopyOf = ""
) -> Response:
    """An empty editor, or one filled with a copy of a template the user can see."""
    values = {"visibility": "private"}
    if copy:
        source = await cell_templates.get_template(session, user=principal.user, template_id=copy)
        values = form_values(source) | {"slug": "", "visibility": "private"}
    return await show_editor(request, session, principal, form=Form(values=values), template=None)


@router.post("/templates/preview")
async def preview_template(request: Request, principal: SignedIn, values: FormFields) -> Response:
    """The preview alone, for the editor to refresh while the user types. Saves nothing."""
    context = {"preview": build_preview(values)}
    return render(request, "partials/_template_preview.html", context)


@router.post("/templates")
async def create_template(
    request: Request, principal: SignedIn, session: DbSession, values: FormFields
) -> Response:
    data: dict[str, Any] = {}
    try:
        slug = values.get("slug", "").strip() or slug_from(values.get("title", ""))
        data = template_data(values, slug=slug)
        await cell_templates.create_template(
            session, user=principal.user, data=data, visibility=chosen_visibility(values)
        )
    except (Invalid, Conflict) as error:
        await settle(session, error, principal.user)
        form = rejected_form(values, error, data)
        status_code = failure_status(error)
        return await show_editor(
            request, session, principal, form=form, template=None, status_code=status_code
        )
    return redirect(request, LIBRARY_SAVED)


@router.get("/templates/{template_id}")
async def template_page(
    request: Request, principal: SignedIn, session: DbSession, template_id: TemplateId
) -> Response:
    """Your own template in the editor (its newest version); anyone else's to look at."""
    row = await cell_templates.get_template(session, user=principal.user, template_id=template_id)
    if row.owner_id != principal.user.id:
        return show_template(request, row)
    newest = await cell_templates.newest_version(session, row)
    return await show_editor(
        request, session, principal, form=Form(values=form_values(newest)), template=newest
    )


@router.post("/templates/{template_id}")
async def update_template(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    values: FormFields,
    template_id: TemplateId,
) -> Response:
    """Save a new version; cells made from earlier versions keep theirs."""
    row = await cell_templates.get_template(session, user=principal.user, template_id=template_id)
    cell_templates.ensure_own(row, principal.user)
    data: dict[str, Any] = {}
    try:
        data = template_data(values, slug=None)
        await cell_templates.update_template(
            session,
            user=principal.user,
            template_id=row.id,
            changes=data,
            visibility=chosen_visibility(values),
        )
    except (Invalid, Conflict) as error:
        await settle(session, error, principal.user, row)
        newest = await cell_templates.newest_version(session, row)
        form = rejected_form(values | {"slug": newest.slug}, error, data)
        status_code = failure_status(error)
        return await show_editor(
            request, session, principal, form=form, template=newest, status_code=status_code
        )
    return redirect(request, LIBRARY_SAVED)
