"""Forgotten password pages: ask for a reset link, choose a new password with it. The same
services and rate limits as /api/v1/auth/password-reset; the answer never tells whether an
account exists."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.responses import Response

from datadive.api.deps import DbSession, MailerDep, PolicyDep, client_address
from datadive.errors import DatadiveError, Invalid
from datadive.mail.background import send_quietly
from datadive.services.identity import password_reset
from datadive.web.deps import FormFields
from datadive.web.forms import (
    Form,
    failure_headers,
    failure_status,
    pick,
    require_filled,
    settle,
)
from datadive.web.navigation import redirect
from datadive.web.rendering import render_page

router = APIRouter()

RESET_FIELDS = ("token", "password", "password_again")
PASSWORDS = ("password", "password_again")
MAIL_ON_ITS_WAY = "If an account uses that address, an email is on its way."


def show_forgot(
    request: Request,
    form: Form,
    *,
    sent: bool = False,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return render_page(
        request,
        "pages/forgot_password.html",
        {"form": form, "sent": sent, "sent_message": MAIL_ON_ITS_WAY},
        fragment="partials/_forgot_password_form.html",
        status_code=status_code,
        headers=headers,
    )


@router.get("/forgot-password")
async def forgot_password_page(request: Request) -> Response:
    return show_forgot(request, Form())


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    values: FormFields,
    background: BackgroundTasks,
    session: DbSession,
    policy: PolicyDep,
    mailer: MailerDep,
) -> Response:
    """Mail a reset link; the answer never says whether the account exists."""
    try:
        require_filled(values, "email")
        mail = await password_reset.request_reset(
            session, email=values["email"], client_address=client_address(request), policy=policy
        )
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=("email",))
        return show_forgot(
            request, form, status_code=failure_status(error), headers=failure_headers(error)
        )
    if mail is not None:
        background.add_task(send_quietly, mailer, mail)
    return show_forgot(request, Form(values=pick(values, ("email",))), sent=True)


def show_reset(request: Request, form: Form, *, status_code: int = 200) -> Response:
    return render_page(
        request,
        "pages/reset_password.html",
        {"form": form},
        fragment="partials/_reset_password_form.html",
        status_code=status_code,
    )


@router.get("/reset-password")
async def reset_password_page(request: Request) -> Response:
    # The token travels in the link's #fragment, which browsers never send: the page's
    # script copies it into the form.
    return show_reset(request, Form())


@router.post("/reset-password")
async def reset_password(
    request: Request, values: FormFields, session: DbSession, policy: PolicyDep
) -> Response:
    try:
        require_filled(values, *RESET_FIELDS)
        if values["password"] != values["password_again"]:
            raise Invalid.field("password_again", "does not match the new password")
        await password_reset.reset_password(
            session, token=values["token"].strip(), new_password=values["password"], policy=policy
        )
    except DatadiveError as error:
        await settle(session, error)
        form = Form.rejected(values, error, fields=RESET_FIELDS, secret=PASSWORDS)
        return show_reset(request, form, status_code=failure_status(error))
    return redirect(request, "/sign-in?notice=reset")
