"""Account pages: sign up, sign in and out, confirm the email address. The same services,
rate limits and cookie as /api/v1/auth (a forgotten password: `password_reset`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from datadive.api.deps import DbSession, MailerDep, PolicyDep, client_address
from datadive.auth.cookies import clear_session_cookie, set_session_cookie
from datadive.errors import Conflict, DatadiveError, FieldError, Invalid
from datadive.mail.background import send_quietly
from datadive.schemas.accounts import SignIn, SignUp
from datadive.schemas.text import OneLine
from datadive.services.identity import accounts, email_verification, sessions
from datadive.web.deps import FormFields, MaybeSignedIn
from datadive.web.forms import (
    Form,
    failure_headers,
    failure_status,
    parse,
    pick,
    require_filled,
    settle,
)
from datadive.web.navigation import HOME, redirect, safe_next
from datadive.web.rendering import render_page

router = APIRouter()

SIGN_UP_FIELDS = ("username", "email", "first_name", "last_name", "password")
SIGN_IN_FIELDS = ("login", "password")
VERIFY_FIELDS = ("email", "code")
PASSWORDS = ("password", "password_again")

NextParam = Annotated[OneLine | None, Query(alias="next", max_length=2000)]


def start_session(response: Response, request: Request, new: sessions.NewSession) -> Response:
    set_session_cookie(response, request, token=str(new.token), expires_at=new.row.idle_expires_at)
    return response


def show_sign_in(
    request: Request, form: Form, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return render_page(
        request,
        "pages/sign_in.html",
        {"form": form},
        fragment="partials/_sign_in_form.html",
        status_code=status_code,
        headers=headers,
    )


@router.get("/sign-in")
async def sign_in_page(
    request: Request, principal: MaybeSignedIn, next_path: NextParam = None
) -> Response:
    if principal is not None:
        return redirect(request, safe_next(next_path))
    return show_sign_in(request, Form(values={"next": safe_next(next_path)}))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    values: FormFields,
    session: DbSession,
    policy: PolicyDep,
    principal: MaybeSignedIn,
) -> Response:
    try:
        require_filled(values, *SIGN_IN_FIELDS)
        data = parse(SignIn, {"login": values["login"], "password": values["password"]})
        _user, new = await accounts.sign_in(
            session,
            data=data,
            client_address=client_address(request),
            policy=policy,
            previous_session_id=principal.session_id if principal else None,
        )
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=SIGN_IN_FIELDS, secret=PASSWORDS)
        return show_sign_in(
            request, form, status_code=failure_status(error), headers=failure_headers(error)
        )
    return start_session(redirect(request, safe_next(values.get("next"))), request, new)


def show_sign_up(request: Request, form: Form, *, status_code: int = 200) -> Response:
    return render_page(
        request,
        "pages/sign_up.html",
        {"form": form},
        fragment="partials/_sign_up_form.html",
        status_code=status_code,
    )


@router.get("/sign-up")
async def sign_up_page(request: Request, principal: MaybeSignedIn) -> Response:
    if principal is not None:
        return redirect(request, HOME)
    return show_sign_up(request, Form())


async def taken_names(session: AsyncSession, data: SignUp) -> list[FieldError]:
    """Which of the names is taken, to say so next to its field (the service's `Conflict`
    does not name it)."""
    taken = []
    if await accounts.find_user_by_login(session, data.username.strip().casefold()):
        taken.append(FieldError("username", "is already taken; choose another one"))
    if "@" in data.email and await accounts.find_user_by_login(session, data.email):
        taken.append(
            FieldError("email", "is already used by an account; sign in or reset its password")
        )
    return taken


@router.post("/sign-up")
async def sign_up(
    request: Request,
    values: FormFields,
    session: DbSession,
    policy: PolicyDep,
    mailer: MailerDep,
    principal: MaybeSignedIn,
) -> Response:
    try:
        require_filled(values, "username", "email", "password")
        data = parse(SignUp, pick(values, SIGN_UP_FIELDS))
        await email_verification.enforce_mail_limits(
            session,
            email=data.email.strip().casefold(),
            client_address=client_address(request),
            policy=policy,
        )
        taken = await taken_names(session, data)
        try:
            _user, new = await accounts.sign_up(
                session,
                data=data,
                mailer=mailer,
                policy=policy,
                previous_session_id=principal.session_id if principal else None,
            )
        except Invalid as invalid:  # every problem at once: bad values and taken names
            raise Invalid(invalid.detail, errors=[*invalid.errors, *taken]) from None
        except Conflict:
            if not taken:
                raise
            raise Invalid("That name or address is taken.", errors=taken) from None
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=SIGN_UP_FIELDS, secret=PASSWORDS)
        return show_sign_up(request, form, status_code=failure_status(error))
    return start_session(redirect(request, "/verify-email"), request, new)


@router.post("/sign-out")
async def sign_out(request: Request, session: DbSession, principal: MaybeSignedIn) -> Response:
    if principal is not None and principal.session_id is not None:
        await sessions.end_session(session, session_id=principal.session_id)
    response = redirect(request, "/sign-in?notice=signed-out")
    clear_session_cookie(response, request)
    return response


def show_verify(
    request: Request,
    form: Form,
    *,
    sent: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render_page(
        request,
        "pages/verify_email.html",
        {"form": form, "sent": sent},
        fragment="partials/_verify_email_form.html",
        status_code=status_code,
        headers=headers,
    )


@router.get("/verify-email")
async def verify_email_page(request: Request) -> Response:
    return show_verify(request, Form())


@router.post("/verify-email")
async def verify_email(
    request: Request,
    values: FormFields,
    session: DbSession,
    policy: PolicyDep,
    principal: MaybeSignedIn,
) -> Response:
    given = {"email": principal.user.email if principal else values.get("email", "")}
    given["code"] = values.get("code", "")
    try:
        require_filled(given, *VERIFY_FIELDS)
        await email_verification.verify_code(
            session,
            email=accounts.checked_email(given["email"]),
            code=given["code"].strip(),
            policy=policy,
        )
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=VERIFY_FIELDS)
        return show_verify(request, form, status_code=failure_status(error))
    if principal is None:
        return redirect(request, "/sign-in?notice=verified-sign-in")
    return redirect(request, "/?notice=verified")


@router.post("/verify-email/resend")
async def resend_code(
    request: Request,
    values: FormFields,
    background: BackgroundTasks,
    session: DbSession,
    policy: PolicyDep,
    mailer: MailerDep,
    principal: MaybeSignedIn,
) -> Response:
    """A new code (the old one stops working); the same answer for unknown addresses."""
    email = principal.user.email if principal else values.get("email", "")
    try:
        require_filled({"email": email}, "email")
        mail = await accounts.resend_verification_code(
            session, email=email, client_address=client_address(request), policy=policy
        )
        if mail is not None:
            background.add_task(send_quietly, mailer, mail)
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=VERIFY_FIELDS)
        return show_verify(
            request, form, status_code=failure_status(error), headers=failure_headers(error)
        )
    return show_verify(request, Form(values={"email": email}), sent=True)
