"""Email verification: an 8-digit code, mailed, hashed, single-use, expiring, bound to the
user and the address it was sent to, and locked after too many wrong tries."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.tokens import hash_secret, secret_matches
from datadive.db.models import EmailVerificationCode, User
from datadive.db.types import utcnow
from datadive.errors import Invalid
from datadive.mail.sender import Mail
from datadive.services.identity import rate_limits
from datadive.services.identity.auth_policy import AuthPolicy

CODE_DIGITS = 8
WRONG_CODE = "is wrong or has expired; check the latest email or ask for a new code"
LOCKED = "was entered wrongly too many times; ask for a new code"


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def mail_limits(*, email: str, address: str, policy: AuthPolicy) -> list[rate_limits.Limit]:
    hour = timedelta(hours=1)
    return [
        rate_limits.Limit(f"mail:account:{email}", policy.mails_per_hour_per_account, hour),
        rate_limits.Limit(f"mail:address:{address}", policy.mails_per_hour_per_address, hour),
    ]


async def enforce_mail_limits(
    session: AsyncSession, *, email: str, client_address: str, policy: AuthPolicy
) -> None:
    """Count one mail-sending request for this address and client, or refuse it (429)."""
    limits = mail_limits(email=email, address=client_address, policy=policy)
    now = utcnow()
    await rate_limits.enforce_limits(session, limits, now=now, message="Too many emails requested.")
    await rate_limits.record_events(session, [limit.bucket for limit in limits], now=now)


async def issue_code(session: AsyncSession, *, user: User, policy: AuthPolicy) -> Mail:
    """Replace any earlier code by a new one; returns the mail that carries it to the user's
    current address (the caller sends it)."""
    now = utcnow()
    await session.execute(
        sa.delete(EmailVerificationCode).where(EmailVerificationCode.user_id == user.id)
    )
    code = new_code()
    session.add(
        EmailVerificationCode(
            user_id=user.id,
            email=user.email,
            code_hash=hash_secret(code),
            expires_at=now + policy.email_code_ttl,
        )
    )
    await session.flush()
    minutes = int(policy.email_code_ttl.total_seconds() // 60)
    return Mail(
        to=user.email,
        subject=f"Your Datadive code: {code}",
        text=(
            f"Hello {user.first_name or user.username},\n\n"
            f"your code to confirm this email address for Datadive is\n\n    {code}\n\n"
            f"It is valid for {minutes} minutes. If you did not ask for it, ignore this mail.\n"
        ),
    )


async def verify_code(session: AsyncSession, *, email: str, code: str, policy: AuthPolicy) -> User:
    """Mark the address verified when `code` is the live code sent to it."""
    now = utcnow()
    found = (
        await session.execute(
            sa.select(EmailVerificationCode, User)
            .join(User, User.id == EmailVerificationCode.user_id)
            .where(User.email == email, EmailVerificationCode.email == email)
        )
    ).one_or_none()
    if found is None:
        raise Invalid.field("code", WRONG_CODE)
    record: EmailVerificationCode = found.EmailVerificationCode
    user: User = found.User
    if record.failed_attempts >= policy.email_code_attempts:
        raise Invalid.field("code", LOCKED)
    if record.used_at is not None or now >= record.expires_at:
        raise Invalid.field("code", WRONG_CODE)
    if not secret_matches(code.strip(), record.code_hash):
        record.failed_attempts += 1
        raise Invalid.field("code", WRONG_CODE, keep_changes=True)
    record.used_at = now
    user.email_verified = True
    return user
