"""The template library: the built-in templates, those others made public and your own, by
category with a search; deleting one of yours after a confirmation. The same services as
/api/v1/cell-templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from datadive.api.deps import DbSession
from datadive.db.models import CellTemplate
from datadive.schemas.text import OneLine
from datadive.services.authoring import cell_templates
from datadive.web.deps import SignedIn
from datadive.web.navigation import redirect
from datadive.web.rendering import render, render_page
from datadive.web.template_shelves import by_category

router = APIRouter()

# Far more than the library holds; the page shows every match at once, grouped.
MAX_LISTED = 500

TemplateId = Annotated[OneLine, Path(max_length=64)]
Search = Annotated[OneLine, Query(max_length=200)]
Category = Annotated[OneLine, Query(max_length=100)]
Deleted = Annotated[bool, Query()]


@dataclass(frozen=True)
class Shelf:
    """One part of the library (yours, built-in, shared by others), by category."""

    key: str
    title: str
    empty: str
    categories: list[tuple[str, list[CellTemplate]]]


def shelves(rows: Sequence[CellTemplate], user_id: str) -> list[Shelf]:
    own = [row for row in rows if row.owner_id == user_id]
    builtin = [row for row in rows if row.owner_id is None]
    shared = [row for row in rows if row.owner_id not in (None, user_id)]
    return [
        Shelf("own", "Your templates", "You have no templates here yet.", by_category(own)),
        Shelf("builtin", "Built-in templates", "No built-in template here.", by_category(builtin)),
        Shelf("shared", "Shared by others", "No public template here.", by_category(shared)),
    ]


@router.get("/templates")
async def template_library(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    q: Search = "",
    category: Category = "",
    deleted: Deleted = False,
) -> Response:
    rows, _ = await cell_templates.list_templates(
        session,
        user=principal.user,
        category=category or None,
        search=q.strip() or None,
        limit=MAX_LISTED,
        cursor=None,
    )
    context = {
        "q": q,
        "category": category,
        "categories": await cell_templates.list_categories(session, user=principal.user),
        "shelves": shelves(rows, principal.user.id),
        "found": len(rows),
        "deleted": deleted,
    }
    return render_page(
        request, "pages/template_library.html", context, fragment="partials/_template_list.html"
    )


@router.get("/templates/{template_id}/delete")
async def confirm_delete_page(
    request: Request, principal: SignedIn, session: DbSession, template_id: TemplateId
) -> Response:
    row = await cell_templates.get_template(session, user=principal.user, template_id=template_id)
    cell_templates.ensure_own(row, principal.user)
    return render(request, "pages/template_delete.html", {"template": row})


@router.post("/templates/{template_id}/delete")
async def delete_template(
    request: Request, principal: SignedIn, session: DbSession, template_id: TemplateId
) -> Response:
    """Every version goes; cells made from it keep their code and become code cells."""
    await cell_templates.delete_template(session, user=principal.user, template_id=template_id)
    return redirect(request, "/templates?deleted=true")
