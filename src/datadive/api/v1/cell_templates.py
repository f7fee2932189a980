"""/api/v1/cell-templates: built-in, public and your own templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from datadive.api.deps import CurrentPrincipal, DbSession
from datadive.schemas.cells import CellTemplatePublic, CellTemplateUpdate, CellTemplateWrite
from datadive.schemas.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from datadive.schemas.text import OneLine
from datadive.services.authoring import cell_templates

router = APIRouter(prefix="/cell-templates", tags=["cell templates"])

TemplateId = Annotated[OneLine, Path(max_length=64)]


@router.get("", response_model=Page[CellTemplatePublic])
async def list_templates(
    session: DbSession,
    principal: CurrentPrincipal,
    category: Annotated[OneLine | None, Query(max_length=100)] = None,
    q: Annotated[
        OneLine | None, Query(max_length=200, description="Words in title/description")
    ] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[CellTemplatePublic]:
    """The newest version of every built-in, public and own template."""
    rows, next_cursor = await cell_templates.list_templates(
        session, user=principal.user, category=category, search=q, limit=limit, cursor=cursor
    )
    return Page(items=[CellTemplatePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CellTemplatePublic)
async def create_template(
    data: CellTemplateWrite, session: DbSession, principal: CurrentPrincipal
) -> CellTemplatePublic:
    """A new template (version 1); checked before it is saved."""
    body = data.model_dump(exclude={"visibility"})
    row = await cell_templates.create_template(
        session, user=principal.user, data=body, visibility=data.visibility
    )
    return CellTemplatePublic.model_validate(row)


@router.get("/{template_id}", response_model=CellTemplatePublic)
async def read_template(
    template_id: TemplateId, session: DbSession, principal: CurrentPrincipal
) -> CellTemplatePublic:
    row = await cell_templates.get_template(session, user=principal.user, template_id=template_id)
    return CellTemplatePublic.model_validate(row)


@router.patch("/{template_id}", response_model=CellTemplatePublic)
async def update_template(
    template_id: TemplateId,
    data: CellTemplateUpdate,
    session: DbSession,
    principal: CurrentPrincipal,
) -> CellTemplatePublic:
    """Save a new version of your template; cells keep the version they were made from."""
    changes = data.model_dump(exclude_unset=True, exclude={"visibility"})
    row = await cell_templates.update_template(
        session,
        user=principal.user,
        template_id=template_id,
        changes=changes,
        visibility=data.visibility,
    )
    return CellTemplatePublic.model_validate(row)


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: TemplateId, session: DbSession, principal: CurrentPrincipal
) -> None:
    """Delete your template (all versions); cells made from it keep their code."""
    await cell_templates.delete_template(session, user=principal.user, template_id=template_id)
