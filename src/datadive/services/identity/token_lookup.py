"""Find the row behind a presented `<id>.<secret>` token, and its user, in one query.

The one place where presented secrets are checked: by id, then SHA-256 compared in constant
time. Sessions and API tokens both come through here.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.tokens import parse_token, secret_matches
from datadive.db.models import ApiToken, User, UserSession

Row = TypeVar("Row", UserSession, ApiToken)


async def find_token_owner(
    session: AsyncSession, model: type[Row], token: str, *, prefix: str = ""
) -> tuple[Row, User] | None:
    """The token's row and user, or None when the token is malformed, unknown or wrong."""
    parsed = parse_token(token, prefix=prefix)
    if parsed is None:
        return None
    token_id, secret = parsed
    found = (
        await session.execute(
            sa.select(model, User).join(User, User.id == model.user_id).where(model.id == token_id)
        )
    ).one_or_none()
    if found is None or not secret_matches(secret, found[0].secret_hash):
        return None
    return found[0], found[1]
