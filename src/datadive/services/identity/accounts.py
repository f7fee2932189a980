"""Accounts: sign-up, sign-in, profile and password changes."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.auth.identities import normalize_email, normalize_username, username_problem
from datadive.auth.passwords import hash_password, password_problem, verify_nobody, verify_password
from datadive.db.models import User
from datadive.db.types import utcnow
from datadive.errors import Conflict, FieldError, Invalid, Unauthorized
from datadive.mail.sender import Mail, MailSender
from datadive.schemas.accounts import ProfileUpdate, SignIn, SignUp
from datadive.services.identity import email_verification, rate_limits, sessions
from datadive.services.identity.auth_policy import AuthPolicy

WRONG_CREDENTIALS = "That username or email and password do not match an account."


def checked_email(email: str, *, field: str = "email") -> str:
    try:
        return normalize_email(email)
    except ValueError as exc:
        raise Invalid.field(field, f"is not a valid email address: {exc}") from None


def check_new_password(password: str, *, username: str, email: str, field: str) -> None:
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise Invalid.field(field, problem)


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    is_admin: bool = False,
    email_verified: bool = False,
) -> User:
    """Validate everything first, then insert; a clash is a 409 naming the field."""
    normalized = normalize_username(username)
    errors = []
    if problem := username_problem(normalized):
        errors.append(FieldError("username", problem))
    try:
        address = normalize_email(email)
    except ValueError as exc:
        errors.append(FieldError("email", f"is not a valid email address: {exc}"))
        address = email
    if problem := password_problem(password, username=normalized, email=address):
        errors.append(FieldError("password", problem))
    if errors:
        fields = ", ".join(error.field for error in errors)
        raise Invalid(f"Check these fields: {fields}.", errors=errors)
    for field, column, value in (
        ("username", User.username, normalized),
        ("email", User.email, address),
    ):
        taken = await session.scalar(sa.select(sa.exists().where(column == value)))
        if taken:
            raise Conflict(f"An account with that {field} already exists.")
    user = User(
        username=normalized,
        email=address,
        password_hash=await asyncio.to_thread(hash_password, password),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        is_admin=is_admin,
        email_verified=email_verified,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # a concurrent sign-up won the race; the request rolls back
        raise Conflict("An account with that username or email already exists.") from None
    return user


async def sign_up(
    session: AsyncSession,
    *,
    data: SignUp,
    mailer: MailSender,
    policy: AuthPolicy,
    previous_session_id: str | None = None,
) -> tuple[User, sessions.NewSession]:
    user = await create_user(
        session,
        username=data.username,
        email=data.email,
        password=data.password,
        first_name=data.first_name,
        last_name=data.last_name,
    )
    await mailer.send(await email_verification.issue_code(session, user=user, policy=policy))
    if previous_session_id is not None:
        await sessions.end_session(session, session_id=previous_session_id)
    return user, await sessions.start_session(session, user_id=user.id, policy=policy)


def sign_in_limits(*, account: str, address: str, policy: AuthPolicy) -> list[rate_limits.Limit]:
    window, limit = policy.sign_in_lockout, policy.sign_in_failure_limit
    return [
        rate_limits.Limit(f"sign-in:account:{account}", limit, window, lockout=True),
        rate_limits.Limit(f"sign-in:address:{address}", limit, window, lockout=True),
    ]


async def find_user_by_login(session: AsyncSession, login: str) -> User | None:
    if "@" in login:
        try:
            return await session.scalar(sa.select(User).where(User.email == normalize_email(login)))
        except ValueError:
            return None
    return await session.scalar(sa.select(User).where(User.username == normalize_username(login)))


async def sign_in(
    session: AsyncSession,
    *,
    data: SignIn,
    client_address: str,
    policy: AuthPolicy,
    previous_session_id: str | None,
) -> tuple[User, sessions.NewSession]:
    """Check the password (same time and answer for unknown users), then issue a new session.

    Failures count towards a per-account limit (username and email share it) and a
    per-address limit; the session the client carried before, if any, is ended.
    """
    login = data.identifier.strip().casefold()
    now = utcnow()
    user = await find_user_by_login(session, login)
    limits = sign_in_limits(
        account=user.id if user else login, address=client_address, policy=policy
    )
    await rate_limits.enforce_limits(session, limits, now=now, message="Too many failed sign-ins.")
    if user is None:
        matched = await asyncio.to_thread(verify_nobody, data.password)
    else:
        matched = await asyncio.to_thread(verify_password, user.password_hash, data.password)
    if user is None or not matched:
        await rate_limits.record_events(session, [limit.bucket for limit in limits], now=now)
        raise Unauthorized(WRONG_CREDENTIALS, keep_changes=True)
    await rate_limits.clear_bucket(session, limits[0].bucket)
    if previous_session_id is not None:
        await sessions.end_session(session, session_id=previous_session_id)
    return user, await sessions.start_session(session, user_id=user.id, policy=policy)


async def update_profile(
    session: AsyncSession,
    *,
    user: User,
    changes: ProfileUpdate,
    mailer: MailSender,
    policy: AuthPolicy,
) -> sessions.NewSession | None:
    """Apply profile changes. Changing email or password needs the current password; a new
    password ends every session and returns a fresh one for the caller."""
    sensitive = changes.email is not None or changes.new_password is not None
    if sensitive:
        if not changes.current_password:
            raise Invalid.field("current_password", "is required to change your email or password")
        if not await asyncio.to_thread(
            verify_password, user.password_hash, changes.current_password
        ):
            raise Invalid.field("current_password", "is not your current password")
    if changes.first_name is not None:
        user.first_name = changes.first_name.strip()
    if changes.last_name is not None:
        user.last_name = changes.last_name.strip()
    if changes.email is not None:
        address = checked_email(changes.email)
        if address != user.email:
            if await session.scalar(sa.select(sa.exists().where(User.email == address))):
                raise Conflict("An account with that email already exists.")
            user.email = address
            user.email_verified = False
            await session.flush()
            await mailer.send(
                await email_verification.issue_code(session, user=user, policy=policy)
            )
    if changes.new_password is None:
        return None
    check_new_password(
        changes.new_password, username=user.username, email=user.email, field="new_password"
    )
    user.password_hash = await asyncio.to_thread(hash_password, changes.new_password)
    await sessions.end_all_sessions(session, user_id=user.id)
    return await sessions.start_session(session, user_id=user.id, policy=policy)


async def resend_verification_code(
    session: AsyncSession, *, email: str, client_address: str, policy: AuthPolicy
) -> Mail | None:
    """A new code for an unverified account (the old one stops working), or None: the caller
    answers the same either way, so that nobody learns whether the address has an account."""
    address = checked_email(email)
    await email_verification.enforce_mail_limits(
        session, email=address, client_address=client_address, policy=policy
    )
    user = await find_user_by_login(session, address)
    if user is None or user.email_verified:
        return None
    return await email_verification.issue_code(session, user=user, policy=policy)
