"""JupyterHub's authenticator for Datadive: people sign in to the Hub only through Datadive.

"Open in JupyterLab" in Datadive (editors and owners) answers with a form that the browser
posts to `<hub>/hub/datadive/login`: a one-time login code, bound to the person and the
project, that expires within a minute, and the path of the project's JupyterLab. This
authenticator asks Datadive, server to server, whether the code holds (Datadive checks its
signature, its expiry and that the person may still run code in the project) and signs the
person in as the Hub user `dd-<their user id>`. Datadive has already shared the project's
server with that user (JupyterHub shares); it revokes the share when the member is removed
or becomes a viewer.

No code travels in a URL: it is a form field, so that no log, history or `Referer` keeps it.
The Hub is one process (JupyterHub does not run replicas), so it remembers the codes it has
seen until they expire: a code is used once.

Runs inside the Hub: imports JupyterHub, tornado and httpx, never Datadive's app or database.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from jupyterhub.auth import Authenticator
from jupyterhub.handlers import BaseHandler
from tornado import web
from traitlets import Float, Unicode

from datadive.jupyter.login_codes import HUB_LOGIN_PATH as LOGIN_PATH
from datadive.jupyter.login_codes import HUB_REDEEM_PATH as REDEEM_PATH
from datadive.jupyter.login_codes import MAX_CODE_LENGTH

REFUSED = "This JupyterLab link was refused"


class DatadiveLoginHandler(BaseHandler):
    """POST: a login code and `next` from Datadive's form. GET (the Hub's login page, a
    session that ended): back to Datadive, where JupyterLab is opened."""

    def check_xsrf_cookie(self) -> None:
        """The form comes from Datadive's page, which has no Hub XSRF token. What stands in
        for it: the browser's `Origin` must be Datadive's. Without that, any page could post
        its author's own valid code and sign a visitor in to the Hub as its author (login
        forgery), and the visitor would then work in the author's projects."""
        authenticator: DatadiveAuthenticator = self.authenticator
        if self.request.headers.get("Origin", "") != authenticator.datadive_origin():
            raise web.HTTPError(
                403, f"{REFUSED}: it did not come from Datadive. Open JupyterLab from Datadive."
            )

    async def get(self) -> None:
        authenticator: DatadiveAuthenticator = self.authenticator
        if authenticator.datadive_public_url:
            self.redirect(authenticator.datadive_public_url)
            return
        raise web.HTTPError(403, "Open JupyterLab from the project's page in Datadive.")

    async def post(self) -> None:
        code = self.get_body_argument("code", "")
        user = await self.login_user({"code": code})
        if user is None:
            reason = getattr(self, "datadive_refusal", "") or "it is not valid"
            raise web.HTTPError(403, f"{REFUSED}: {reason}. Open JupyterLab from Datadive again.")
        self.redirect(self.get_next_url(user))


class DatadiveAuthenticator(Authenticator):
    """Signs in the people Datadive vouches for with a one-time login code."""

    datadive_url = Unicode(
        help="Datadive's address as the Hub reaches it (server to server), e.g. "
        "http://datadive.datadive.svc:8000.",
    ).tag(config=True)
    datadive_public_url = Unicode(
        "",
        help="Datadive's address in the browser: where the Hub's login page sends people.",
    ).tag(config=True)
    api_token = Unicode(
        help="Datadive's token as a Hub service (DATADIVE_JUPYTERHUB_API_TOKEN): with it the "
        "Hub proves to Datadive that it is the Hub when it redeems a code.",
    ).tag(config=True)
    request_timeout = Float(10.0, help="Seconds to wait for Datadive.").tag(config=True)

    auto_login = True
    login_service = "Datadive"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen_codes: dict[str, float] = {}  # SHA-256 of a code -> when to forget it

    def datadive_origin(self) -> str:
        """Where Datadive's login form is served from, as a browser names it in `Origin`."""
        parts = urlsplit(self.datadive_public_url or self.datadive_url)
        return f"{parts.scheme}://{parts.netloc}"

    def login_url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{LOGIN_PATH}"

    def get_handlers(self, app: Any) -> list[tuple[str, type[BaseHandler]]]:
        return [(f"/{LOGIN_PATH}", DatadiveLoginHandler)]

    def check_allowed(self, username: str, authentication: Any = None) -> bool:
        """Datadive decided: only the people it vouches for get a name at all."""
        return True

    def _first_use(self, code: str) -> bool:
        now = time.monotonic()
        for digest, forget_at in list(self.seen_codes.items()):
            if forget_at < now:
                del self.seen_codes[digest]
        digest = hashlib.sha256(code.encode()).hexdigest()
        if digest in self.seen_codes:
            return False
        # Longer than any code lives (Datadive refuses it once expired).
        self.seen_codes[digest] = now + 600
        return True

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> dict[str, Any] | None:
        code = str(data.get("code") or "")
        if not code or len(code) > MAX_CODE_LENGTH:
            handler.datadive_refusal = "it holds no login code"
            return None
        if not self._first_use(code):
            self.log.warning("refused a Datadive login code used before")
            handler.datadive_refusal = "it was used already"
            return None
        try:
            async with httpx.AsyncClient(timeout=self.request_timeout) as http:
                response = await http.post(
                    self.datadive_url.rstrip("/") + REDEEM_PATH,
                    json={"code": code},
                    headers={"Authorization": f"Bearer {self.api_token}"},
                )
        except httpx.HTTPError as exc:
            self.log.error("Datadive did not answer a login: %s", exc)
            handler.datadive_refusal = "Datadive did not answer; try again in a minute"
            return None
        if response.status_code != 200:
            try:
                detail = str(response.json().get("detail") or "")
            except ValueError:
                detail = ""
            self.log.warning("Datadive refused a login (%s): %s", response.status_code, detail)
            handler.datadive_refusal = detail.rstrip(".") or "Datadive refused it"
            return None
        answer = response.json()
        return {"name": str(answer["name"])}
