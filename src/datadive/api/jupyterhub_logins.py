"""`POST /internal/jupyterhub/logins`: JupyterHub redeems a one-time login code that Datadive
handed a browser ("Open in JupyterLab" on the jupyterhub backend; `datadive.jupyter.
hub_authenticator`), and learns which Hub user to sign in.

Only the Hub calls it, with Datadive's own Hub service token (the secret both already share).
Datadive checks the code (its signature and expiry) and, at this moment, that the person may
still run code in the project: a member removed between the click and the redemption is
refused. No user stands behind the request, so it is not part of the v1 API.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from datadive.api.deps import BackendDep, DbSession, SettingsDep
from datadive.auth.permissions import Action
from datadive.db.models import User
from datadive.errors import Forbidden, Unauthorized
from datadive.execution.hub import HubBackend
from datadive.execution.hub.backend import person_user
from datadive.jupyter.login_codes import HUB_REDEEM_PATH, MAX_CODE_LENGTH, InvalidLoginCode
from datadive.services.membership.access import project_access

router = APIRouter(include_in_schema=False)


class LoginRedemption(BaseModel):
    code: str = Field(max_length=MAX_CODE_LENGTH)


class HubLogin(BaseModel):
    name: str  # the Hub user to sign in


@router.post(HUB_REDEEM_PATH)
async def redeem_login_code(
    body: LoginRedemption,
    request: Request,
    session: DbSession,
    backend: BackendDep,
    settings: SettingsDep,
) -> HubLogin:
    token = settings.jupyterhub_api_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if (
        not isinstance(backend, HubBackend)
        or token is None
        or not hmac.compare_digest(given.encode(), token.get_secret_value().encode())
    ):
        raise Unauthorized("Only JupyterHub, with Datadive's service token, redeems login codes.")
    try:
        code = backend.read_login_code(body.code)
    except InvalidLoginCode as exc:
        raise Forbidden(f"The login code is {exc}.") from None
    user = await session.get(User, code.user_id)
    if user is None:
        raise Forbidden("The login code's person no longer has an account.")
    await project_access(
        session, user=user, project_id=code.project_id, action=Action.NOTEBOOK_EXECUTE
    )
    return HubLogin(name=person_user(user.id))
