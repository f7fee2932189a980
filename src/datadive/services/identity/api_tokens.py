"""API tokens: `ddt_<id>.<secret>`, stored hashed, scoped `read` or `write`, optionally
expiring; revoking deletes the row, so the token stops working at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.tokens import IssuedToken, issue_token
from datadive.db.ids import new_id
from datadive.db.models import ApiToken, User
from datadive.db.types import utcnow
from datadive.errors import Invalid, NotFound, Unauthorized
from datadive.schemas.accounts import ApiTokenCreate
from datadive.services.identity.token_lookup import find_token_owner

TOKEN_PREFIX = "ddt_"  # noqa: S105 - a marker, not a secret
INVALID_TOKEN = "This API token is invalid, revoked or expired."  # noqa: S105
# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenUse:
    user: User
    token: ApiToken
    # Set when this use should be recorded (`record_token_use`): the last one is too old.
    record_at: datetime | None = None


async def create_api_token(
    session: AsyncSession, *, user: User, data: ApiTokenCreate
) -> tuple[ApiToken, IssuedToken]:
    if data.expires_at is not None:
        if data.expires_at.tzinfo is None:
            raise Invalid.field("expires_at", "must include a time zone, e.g. 2027-01-31T00:00Z")
        if data.expires_at <= utcnow():
            raise Invalid.field("expires_at", "must be in the future")
    issued = issue_token(token_id=new_id(), prefix=TOKEN_PREFIX)
    token = ApiToken(
        id=issued.id,
        user_id=user.id,
        name=data.name.strip(),
        secret_hash=issued.secret_hash,
        scope=data.scope,
        expires_at=data.expires_at,
    )
    session.add(token)
    await session.flush()
    return token, issued


async def list_api_tokens(
    session: AsyncSession, *, user: User, limit: int, after: str | None = None
) -> Sequence[ApiToken]:
    """Up to `limit + 1` tokens after the cursor, oldest first (the extra one says "more")."""
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id)
    if after is not None:
        query = query.where(ApiToken.id > after)
    result = await session.scalars(query.order_by(ApiToken.id).limit(limit + 1))
    return result.all()


async def revoke_api_token(session: AsyncSession, *, user: User, token_id: str) -> None:
    deleted = await session.execute(
        sa.delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if deleted.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("You have no API token with that id.")


async def authenticate_api_token(session: AsyncSession, *, token: str) -> TokenUse:
    found = await find_token_owner(session, ApiToken, token, prefix=TOKEN_PREFIX)
    if found is None:
        raise Unauthorized(INVALID_TOKEN)
    api_token, user = found
    now = utcnow()
    if api_token.expires_at is not None and now >= api_token.expires_at:
        raise Unauthorized(INVALID_TOKEN)
    stale = api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION
    return TokenUse(user=user, token=api_token, record_at=now if stale else None)


async def record_token_use(session: AsyncSession, *, token_id: str, at: datetime) -> None:
    """Note when a token was last used. The caller commits it apart from the request's own
    work: a write held by the request's transaction would block the transactions that the
    request starts and waits for itself (a run is stored in one of its own), on SQLite."""
    await session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at)
    )
