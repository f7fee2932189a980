"""Typed dependencies shared by the routers: settings, the request's transaction, the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.api.origin_check import SAFE_METHODS
from datadive.auth.cookies import read_session_token, set_session_cookie
from datadive.auth.principal import Principal
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.errors import Forbidden, Unauthorized
from datadive.execution.backend import ExecutionBackend
from datadive.mail.sender import MailSender
from datadive.services.identity import api_tokens, sessions
from datadive.services.identity.auth_policy import AuthPolicy
from datadive.services.running.run_executor import RunExecutor

SIGN_IN_REQUIRED = "Sign in first, or send an API token as `Authorization: Bearer <token>`."


# The accessors below are `async def`, though they wait for nothing: FastAPI calls a plain `def`
# dependency in a worker thread, a thread hop per request each.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_auth_policy(request: Request) -> AuthPolicy:
    policy: AuthPolicy = request.app.state.auth_policy
    return policy


async def get_mailer(request: Request) -> MailSender:
    mailer: MailSender = request.app.state.mailer
    return mailer


async def get_executor(request: Request) -> RunExecutor:
    executor: RunExecutor = request.app.state.executor
    return executor


async def get_backend(request: Request) -> ExecutionBackend:
    backend: ExecutionBackend = request.app.state.backend
    return backend


async def request_transaction(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    """The request's one transaction, committed after the route returns (before the response
    is sent), rolled back on error."""
    async with database.transaction() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
PolicyDep = Annotated[AuthPolicy, Depends(get_auth_policy)]
MailerDep = Annotated[MailSender, Depends(get_mailer)]
ExecutorDep = Annotated[RunExecutor, Depends(get_executor)]
BackendDep = Annotated[ExecutionBackend, Depends(get_backend)]
DbSession = Annotated[AsyncSession, Depends(request_transaction, scope="function")]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def bearer_principal(
    request: Request, session: AsyncSession, database: Database, value: str
) -> Principal:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send API tokens as `Authorization: Bearer <token>`.")
    use = await api_tokens.authenticate_api_token(session, token=token.strip())
    if use.token.scope != "write" and request.method not in SAFE_METHODS:
        raise Forbidden("This API token is read-only; create a `write` token to make changes.")
    if use.record_at is not None:
        async with database.transaction() as apart:
            await api_tokens.record_token_use(apart, token_id=use.token.id, at=use.record_at)
    scope: Literal["read", "write"] = "write" if use.token.scope == "write" else "read"
    return Principal(user=use.user, token_scope=scope)


async def optional_principal(
    request: Request,
    response: Response,
    session: DbSession,
    database: DatabaseDep,
    policy: PolicyDep,
) -> Principal | None:
    """The caller, or None. A bad API token is an error; a dead session cookie is anonymous.

    Noting a token's use and renewing a session are written in transactions of their own,
    committed before the route runs: on SQLite, a write held by the request's transaction
    would block the transactions the route starts and waits for (a run is stored in one of
    its own), until "database is locked"."""
    if authorization := request.headers.get("authorization"):
        return await bearer_principal(request, session, database, authorization)
    token = read_session_token(request)
    if token is None:
        return None
    try:
        valid = await sessions.validate_session(session, token=token, policy=policy)
    except Unauthorized:
        return None
    if valid.renewed:
        async with database.transaction() as apart:
            await sessions.renew_session(apart, valid=valid)
        set_session_cookie(response, request, token=token, expires_at=valid.idle_expires_at)
    return Principal(user=valid.user, session_id=valid.row.id)


async def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        # keep_changes: an expired session found on the way is deleted all the same.
        raise Unauthorized(SIGN_IN_REQUIRED, keep_changes=True)
    return principal


async def require_session(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if not principal.via_session:
        raise Forbidden("This needs a signed-in browser session; API tokens cannot do it.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
SessionPrincipal = Annotated[Principal, Depends(require_session)]
