"""/api/v1/auth/tokens: API tokens for scripts. Managed from a signed-in browser session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from datadive.api.deps import DbSession, SessionPrincipal
from datadive.schemas.accounts import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from datadive.schemas.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, Page
from datadive.schemas.text import OneLine
from datadive.services.identity import api_tokens

router = APIRouter(prefix="/auth/tokens", tags=["auth"])


@router.get("", response_model=Page[ApiTokenPublic])
async def list_tokens(
    session: DbSession,
    principal: SessionPrincipal,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ApiTokenPublic]:
    tokens = await api_tokens.list_api_tokens(
        session, user=principal.user, limit=limit, after=cursor
    )
    items = [ApiTokenPublic.model_validate(token) for token in tokens[:limit]]
    return Page(items=items, next_cursor=items[-1].id if len(tokens) > limit else None)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiTokenCreated)
async def create_token(
    data: ApiTokenCreate, session: DbSession, principal: SessionPrincipal
) -> ApiTokenCreated:
    """Create a token. Its secret is in `token`, shown this once only."""
    token, issued = await api_tokens.create_api_token(session, user=principal.user, data=data)
    public = ApiTokenPublic.model_validate(token)
    return ApiTokenCreated(**public.model_dump(), token=str(issued))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(
    token_id: Annotated[OneLine, Path(min_length=1, max_length=64)],
    session: DbSession,
    principal: SessionPrincipal,
) -> None:
    """Revoke a token: it stops working at once."""
    await api_tokens.revoke_api_token(session, user=principal.user, token_id=token_id)
