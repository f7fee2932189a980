"""/api/v1/auth: sign-up, sign-in, sign-out, me, email verification, password reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, Path, Request, Response, status

from datadive.api.deps import (
    CurrentPrincipal,
    DbSession,
    MailerDep,
    OptionalPrincipal,
    PolicyDep,
    client_address,
)
from datadive.auth.cookies import clear_session_cookie, set_session_cookie
from datadive.errors import Invalid
from datadive.mail.background import send_quietly
from datadive.schemas.accounts import (
    Accepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    ProfileUpdate,
    ResendVerification,
    SignIn,
    SignOut,
    SignUp,
    UserPublic,
    VerifyEmail,
)
from datadive.schemas.text import OneLine
from datadive.services.identity import accounts, email_verification, password_reset, sessions

router = APIRouter(prefix="/auth", tags=["auth"])

MAIL_ON_ITS_WAY = "If an account uses that address, an email is on its way."


def start_browser_session(response: Response, request: Request, new: sessions.NewSession) -> None:
    set_session_cookie(response, request, token=str(new.token), expires_at=new.row.idle_expires_at)


@router.post("/sign-up", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
async def sign_up(
    data: SignUp,
    request: Request,
    response: Response,
    session: DbSession,
    policy: PolicyDep,
    mailer: MailerDep,
    principal: OptionalPrincipal,
) -> UserPublic:
    """Create an account, mail a verification code, and sign in (ending any session the
    browser had)."""
    await email_verification.enforce_mail_limits(
        session,
        email=data.email.strip().casefold(),
        client_address=client_address(request),
        policy=policy,
    )
    user, new = await accounts.sign_up(
        session,
        data=data,
        mailer=mailer,
        policy=policy,
        previous_session_id=principal.session_id if principal else None,
    )
    start_browser_session(response, request, new)
    return UserPublic.model_validate(user)


@router.post("/sign-in", response_model=UserPublic)
async def sign_in(
    data: SignIn,
    request: Request,
    response: Response,
    session: DbSession,
    policy: PolicyDep,
    principal: OptionalPrincipal,
) -> UserPublic:
    """Sign in with username or email and password. Any session the browser had ends."""
    user, new = await accounts.sign_in(
        session,
        data=data,
        client_address=client_address(request),
        policy=policy,
        previous_session_id=principal.session_id if principal else None,
    )
    start_browser_session(response, request, new)
    return UserPublic.model_validate(user)


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    data: Annotated[SignOut | None, Body()] = None,
) -> None:
    """End this session, or with `{"everywhere": true}` every session of the account."""
    if principal.session_id is None:
        raise Invalid.field("authorization", "API tokens are not signed out; revoke the token")
    if data is not None and data.everywhere:
        await sessions.end_all_sessions(session, user_id=principal.user.id)
    else:
        await sessions.end_session(session, session_id=principal.session_id)
    clear_session_cookie(response, request)


@router.get("/me", response_model=UserPublic)
async def read_me(principal: CurrentPrincipal) -> UserPublic:
    return UserPublic.model_validate(principal.user)


@router.patch("/me", response_model=UserPublic)
async def update_me(
    changes: ProfileUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    policy: PolicyDep,
    mailer: MailerDep,
) -> UserPublic:
    """Change names; changing `email` or `new_password` needs `current_password`. A new
    password ends every session of the account and starts a fresh one for this browser."""
    new = await accounts.update_profile(
        session, user=principal.user, changes=changes, mailer=mailer, policy=policy
    )
    if new is not None:
        start_browser_session(response, request, new)
    return UserPublic.model_validate(principal.user)


@router.post("/verify-email", response_model=UserPublic)
async def verify_email(
    data: VerifyEmail, session: DbSession, principal: OptionalPrincipal, policy: PolicyDep
) -> UserPublic:
    """Confirm an email address with the code mailed to it. `email` may be left out when
    signed in."""
    email = data.email or (principal.user.email if principal else None)
    if email is None:
        raise Invalid.field("email", "is required when you are not signed in")
    user = await email_verification.verify_code(
        session, email=accounts.checked_email(email), code=data.code, policy=policy
    )
    return UserPublic.model_validate(user)


@router.post("/verify-email/resend", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def resend_verification(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    principal: OptionalPrincipal,
    policy: PolicyDep,
    mailer: MailerDep,
    data: Annotated[ResendVerification | None, Body()] = None,
) -> Accepted:
    """Mail a new code (the old one stops working). Answers the same whether or not the
    address belongs to an account."""
    email = (data.email if data else None) or (principal.user.email if principal else None)
    if email is None:
        raise Invalid.field("email", "is required when you are not signed in")
    mail = await accounts.resend_verification_code(
        session, email=email, client_address=client_address(request), policy=policy
    )
    if mail is not None:
        background.add_task(send_quietly, mailer, mail)
    return Accepted(detail=MAIL_ON_ITS_WAY)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def request_password_reset(
    data: PasswordResetRequest,
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    policy: PolicyDep,
    mailer: MailerDep,
) -> Accepted:
    """Mail a password-reset link. Answers the same whether or not the account exists."""
    mail = await password_reset.request_reset(
        session, email=data.email, client_address=client_address(request), policy=policy
    )
    if mail is not None:
        background.add_task(send_quietly, mailer, mail)
    return Accepted(detail=MAIL_ON_ITS_WAY)


@router.post("/password-reset/{token}", response_model=Accepted)
async def confirm_password_reset(
    token: Annotated[OneLine, Path(max_length=200)],
    data: PasswordResetConfirm,
    session: DbSession,
    policy: PolicyDep,
) -> Accepted:
    """Choose a new password with the token from the reset mail; every session ends."""
    await password_reset.reset_password(
        session, token=token, new_password=data.password, policy=policy
    )
    return Accepted(detail="Your password has been changed. Sign in with the new one.")
