"""Password reset: a ≥128-bit single-use token by mail, valid for an hour, superseded by a
newer one; requesting one never reveals whether the account exists."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.passwords import hash_password
from datadive.auth.tokens import issue_token, parse_token, secret_matches
from datadive.db.ids import new_id
from datadive.db.models import PasswordResetToken, User
from datadive.db.types import utcnow
from datadive.errors import NotFound
from datadive.mail.sender import Mail
from datadive.services.identity import email_verification, sessions
from datadive.services.identity.accounts import check_new_password, checked_email
from datadive.services.identity.auth_policy import AuthPolicy

INVALID_LINK = "This password-reset link is invalid, used or expired; ask for a new one."


async def request_reset(
    session: AsyncSession, *, email: str, client_address: str, policy: AuthPolicy
) -> Mail | None:
    """Check the address and the mail limits, then `prepare_reset_mail`."""
    address = checked_email(email)
    await email_verification.enforce_mail_limits(
        session, email=address, client_address=client_address, policy=policy
    )
    return await prepare_reset_mail(session, email=address, policy=policy)


async def prepare_reset_mail(
    session: AsyncSession, *, email: str, policy: AuthPolicy
) -> Mail | None:
    """Create a reset token for the account with this address, if any, and the mail to send.

    Earlier tokens of the account stop working. Returns None when no account matches; the
    caller answers the same either way.
    """
    user = await session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        return None
    await session.execute(
        sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id)
    )
    token = issue_token(token_id=new_id())
    session.add(
        PasswordResetToken(
            id=token.id,
            user_id=user.id,
            secret_hash=token.secret_hash,
            expires_at=utcnow() + policy.password_reset_ttl,
        )
    )
    minutes = int(policy.password_reset_ttl.total_seconds() // 60)
    return Mail(
        to=user.email,
        subject="Reset your Datadive password",
        text=(
            f"Hello {user.first_name or user.username},\n\n"
            f"someone asked to reset the password of your Datadive account. To choose a new "
            f"one, open\n\n    {policy.base_url}/reset-password#{token}\n\n"
            f"or send the token below to POST /api/v1/auth/password-reset/<token>:\n\n"
            f"    {token}\n\n"
            f"The link works once, for {minutes} minutes. If it was not you, ignore this mail: "
            f"your password stays as it is.\n"
        ),
    )


async def reset_password(
    session: AsyncSession, *, token: str, new_password: str, policy: AuthPolicy
) -> User:
    """Set a new password with a reset token; the token is used up and every session ends."""
    parsed = parse_token(token)
    if parsed is None:
        raise NotFound(INVALID_LINK)
    token_id, secret = parsed
    record = await session.get(PasswordResetToken, token_id)
    if (
        record is None
        or not secret_matches(secret, record.secret_hash)
        or record.used_at is not None
        or utcnow() >= record.expires_at
    ):
        raise NotFound(INVALID_LINK)
    user = await session.get(User, record.user_id)
    assert user is not None
    check_new_password(new_password, username=user.username, email=user.email, field="password")
    user.password_hash = await asyncio.to_thread(hash_password, new_password)
    record.used_at = utcnow()
    await sessions.end_all_sessions(session, user_id=user.id)
    return user
