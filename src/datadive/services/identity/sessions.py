"""Browser sessions: issued at sign-in, idle-limited with sliding renewal, capped absolutely."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.tokens import IssuedToken, issue_token
from datadive.db.models import User, UserSession
from datadive.db.types import utcnow
from datadive.errors import Unauthorized
from datadive.services.identity.auth_policy import AuthPolicy
from datadive.services.identity.token_lookup import find_token_owner

SIGNED_OUT = "Your session has ended; please sign in again."


@dataclass(frozen=True)
class NewSession:
    token: IssuedToken
    row: UserSession


@dataclass(frozen=True)
class ValidSession:
    user: User
    row: UserSession
    # The new idle expiry when the session is renewed by this use (`renew_session`), else None.
    renew_until: datetime | None = None

    @property
    def renewed(self) -> bool:
        return self.renew_until is not None

    @property
    def idle_expires_at(self) -> datetime:
        return self.renew_until or self.row.idle_expires_at


async def start_session(session: AsyncSession, *, user_id: str, policy: AuthPolicy) -> NewSession:
    now = utcnow()
    # Sessions abandoned without signing out would pile up; each sign-in clears the dead ones.
    await session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user_id,
            sa.or_(UserSession.idle_expires_at <= now, UserSession.absolute_expires_at <= now),
        )
    )
    token = issue_token()
    row = UserSession(
        id=token.id,
        secret_hash=token.secret_hash,
        user_id=user_id,
        last_seen_at=now,
        idle_expires_at=min(now + policy.session_idle, now + policy.session_max),
        absolute_expires_at=now + policy.session_max,
    )
    session.add(row)
    await session.flush()
    return NewSession(token=token, row=row)


async def validate_session(
    session: AsyncSession, *, token: str, policy: AuthPolicy
) -> ValidSession:
    """The user behind a session token; expired sessions are deleted (and 401)."""
    found = await find_token_owner(session, UserSession, token)
    if found is None:
        raise Unauthorized(SIGNED_OUT)
    row, user = found
    now = utcnow()
    if now >= row.idle_expires_at or now >= row.absolute_expires_at:
        await session.delete(row)
        raise Unauthorized(SIGNED_OUT, keep_changes=True)
    # Sliding renewal: a session used in the second half of its idle period is extended.
    renew_until = None
    if row.idle_expires_at - now < policy.session_idle / 2:
        renew_until = min(now + policy.session_idle, row.absolute_expires_at)
    return ValidSession(user=user, row=row, renew_until=renew_until)


async def renew_session(session: AsyncSession, *, valid: ValidSession) -> None:
    """Extend a session used in the second half of its idle period. Committed apart from the
    request's own work, like `api_tokens.record_token_use`, and for the same reason."""
    if valid.renew_until is None:
        return
    await session.execute(
        sa.update(UserSession)
        .where(UserSession.id == valid.row.id)
        .values(idle_expires_at=valid.renew_until, last_seen_at=utcnow())
    )


async def end_session(session: AsyncSession, *, session_id: str) -> None:
    await session.execute(sa.delete(UserSession).where(UserSession.id == session_id))


async def end_all_sessions(session: AsyncSession, *, user_id: str) -> None:
    await session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))
