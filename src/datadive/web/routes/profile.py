"""The profile page: name, email address, password, API tokens, signing out everywhere.
The same services as /api/v1/auth/me and /api/v1/auth/tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import DbSession, MailerDep, PolicyDep, SessionPrincipal
from datadive.auth.cookies import clear_session_cookie, set_session_cookie
from datadive.auth.principal import Principal
from datadive.errors import DatadiveError, Invalid
from datadive.schemas.accounts import ApiTokenCreate, ProfileUpdate
from datadive.schemas.text import OneLine
from datadive.services.identity import accounts, api_tokens, sessions
from datadive.web.deps import FormFields
from datadive.web.forms import Form, failure_status, parse, pick, require_filled, settle
from datadive.web.navigation import redirect
from datadive.web.rendering import is_htmx, render_page, toast_headers

router = APIRouter(prefix="/profile")

SECTIONS = ("name", "email", "password", "tokens")
NAME_FIELDS = ("first_name", "last_name")
EMAIL_FIELDS = ("email", "current_password")
PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")
TOKEN_FIELDS = ("name", "scope", "expires_at")
SECRETS = ("current_password", "new_password", "new_password_again")
TOKENS_SHOWN = 100


@dataclass(frozen=True)
class NewToken:
    """A token just created: its secret is on this one page and nowhere else, ever."""

    name: str
    secret: str


async def show_profile(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    *,
    forms: dict[str, Form] | None = None,
    section: str | None = None,
    new_token: NewToken | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    tokens = await api_tokens.list_api_tokens(session, user=principal.user, limit=TOKENS_SHOWN)
    context = {
        "user": principal.user,
        "tokens": tokens[:TOKENS_SHOWN],
        "more_tokens": len(tokens) > TOKENS_SHOWN,
        "forms": {name: (forms or {}).get(name, Form()) for name in SECTIONS},
        "new_token": new_token,
    }
    return render_page(
        request,
        "pages/profile.html",
        context,
        fragment=f"partials/_profile_{section}.html" if section else None,
        status_code=status_code,
        headers=headers,
    )


async def rejected(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    error: DatadiveError,
    *,
    section: str,
    values: dict[str, str],
    fields: tuple[str, ...],
) -> Response:
    await settle(session, error, principal.user)
    form = Form.rejected(values, error, fields=fields, secret=SECRETS)
    return await show_profile(
        request,
        session,
        principal,
        forms={section: form},
        section=section,
        status_code=failure_status(error),
    )


@router.get("")
async def profile_page(
    request: Request, session: DbSession, principal: SessionPrincipal
) -> Response:
    return await show_profile(request, session, principal)


@router.post("/name")
async def change_name(
    request: Request,
    values: FormFields,
    session: DbSession,
    principal: SessionPrincipal,
    policy: PolicyDep,
    mailer: MailerDep,
) -> Response:
    try:
        changes = parse(ProfileUpdate, pick(values, NAME_FIELDS))
        await accounts.update_profile(
            session, user=principal.user, changes=changes, mailer=mailer, policy=policy
        )
    except DatadiveError as error:
        return await rejected(
            request, session, principal, error, section="name", values=values, fields=NAME_FIELDS
        )
    return redirect(request, "/profile?notice=name")


@router.post("/email")
async def change_email(
    request: Request,
    values: FormFields,
    session: DbSession,
    principal: SessionPrincipal,
    policy: PolicyDep,
    mailer: MailerDep,
) -> Response:
    """A new address needs the password, and a code sent to it before it counts as verified."""
    try:
        require_filled(values, *EMAIL_FIELDS)
        changes = parse(ProfileUpdate, pick(values, EMAIL_FIELDS))
        await accounts.update_profile(
            session, user=principal.user, changes=changes, mailer=mailer, policy=policy
        )
    except DatadiveError as error:
        return await rejected(
            request, session, principal, error, section="email", values=values, fields=EMAIL_FIELDS
        )
    if not principal.user.email_verified:
        return redirect(request, "/verify-email")
    return redirect(request, "/profile?notice=saved")


@router.post("/password")
async def change_password(
    request: Request,
    values: FormFields,
    session: DbSession,
    principal: SessionPrincipal,
    policy: PolicyDep,
    mailer: MailerDep,
) -> Response:
    """Every other session ends; this browser gets a fresh one."""
    try:
        require_filled(values, *PASSWORD_FIELDS)
        if values["new_password"] != values["new_password_again"]:
            raise Invalid.field("new_password_again", "does not match the new password")
        changes = parse(ProfileUpdate, pick(values, ("current_password", "new_password")))
        new = await accounts.update_profile(
            session, user=principal.user, changes=changes, mailer=mailer, policy=policy
        )
    except DatadiveError as error:
        return await rejected(
            request,
            session,
            principal,
            error,
            section="password",
            values=values,
            fields=PASSWORD_FIELDS,
        )
    response = redirect(request, "/profile?notice=password")
    if new is not None:
        set_session_cookie(
            response, request, token=str(new.token), expires_at=new.row.idle_expires_at
        )
    return response


def end_of_day(value: str) -> datetime | None:
    """A date field (`2027-01-31`) as the last second of that day in UTC; empty is None."""
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid.field("expires_at", "is not a date like 2027-01-31") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


@router.post("/tokens")
async def create_token(
    request: Request, values: FormFields, session: DbSession, principal: SessionPrincipal
) -> Response:
    try:
        require_filled(values, "name")
        data = parse(
            ApiTokenCreate,
            {
                "name": values["name"],
                "scope": values.get("scope") or "read",
                "expires_at": end_of_day(values.get("expires_at", "")),
            },
        )
        token, issued = await api_tokens.create_api_token(session, user=principal.user, data=data)
    except DatadiveError as error:
        return await rejected(
            request, session, principal, error, section="tokens", values=values, fields=TOKEN_FIELDS
        )
    # No redirect: the secret is shown on this answer only, and never stored in a URL.
    return await show_profile(
        request,
        session,
        principal,
        section="tokens",
        new_token=NewToken(name=token.name, secret=str(issued)),
    )


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request,
    token_id: Annotated[OneLine, Path(min_length=1, max_length=64)],
    session: DbSession,
    principal: SessionPrincipal,
) -> Response:
    await api_tokens.revoke_api_token(session, user=principal.user, token_id=token_id)
    if is_htmx(request):
        return await show_profile(
            request,
            session,
            principal,
            section="tokens",
            headers=toast_headers("The token was revoked; it no longer works."),
        )
    return redirect(request, "/profile#tokens")


@router.post("/sign-out-everywhere")
async def sign_out_everywhere(
    request: Request, session: DbSession, principal: SessionPrincipal
) -> Response:
    await sessions.end_all_sessions(session, user_id=principal.user.id)
    response = redirect(request, "/sign-in?notice=signed-out-everywhere")
    clear_session_cookie(response, request)
    return response
