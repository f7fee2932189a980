"""The pages the Datadive identity provider adds to a project's Jupyter server."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

from datadive.jupyter.login_codes import InvalidLoginCode

if TYPE_CHECKING:
    from datadive.jupyter.identity import DatadiveIdentityProvider

MIN_TOKEN_CHARACTERS = 32
OPEN_FROM_DATADIVE = (
    "<!doctype html><title>Open from Datadive</title>"
    "<p>This JupyterLab belongs to a Datadive project. Open it from the project in Datadive "
    "(<em>Open in JupyterLab</em>); links from Datadive work once and for one minute.</p>"
)


def local_target(wanted: str, *, base_url: str, default: str) -> str:
    """`wanted` if it is a path on this server, else `default`: never another site."""
    if (
        not wanted.startswith(base_url)
        or wanted.startswith("//")
        or any(ord(ch) < 0x20 or ch == "\\" for ch in wanted)
    ):
        return default
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc:
        return default
    return wanted


class SignInThroughDatadiveHandler(JupyterHandler):
    """Replaces Jupyter's token/password form: the way in is Datadive's hand-off."""

    @allow_unauthenticated
    def get(self) -> None:
        if self.current_user is not None:
            target = self.get_argument("next", "")
            self.redirect(local_target(target, base_url=self.base_url, default=self.default_url))
            return
        self.set_status(403)
        self.set_header("Cache-Control", "no-store")
        self.finish(OPEN_FROM_DATADIVE)


class LoginHandoffHandler(JupyterHandler):
    """`GET /datadive/login?code=…&next=/lab/tree/x.ipynb`: a one-time code from Datadive
    becomes a session cookie, then the browser goes on to `next` on this server."""

    def initialize(self, provider: DatadiveIdentityProvider) -> None:
        self.provider = provider

    @allow_unauthenticated
    def get(self) -> None:
        # The URL carries the code: keep it out of caches and of the next page's Referer.
        self.set_header("Cache-Control", "no-store")
        self.set_header("Referrer-Policy", "no-referrer")
        try:
            self.provider.start_session(self, self.get_argument("code", ""))
        except InvalidLoginCode as exc:
            self.log.warning("refused a Datadive login code: %s", exc)
            self.set_status(403)
            self.finish(OPEN_FROM_DATADIVE)
            return
        target = self.get_argument("next", "")
        self.redirect(local_target(target, base_url=self.base_url, default=self.default_url))


class RevokeHandler(APIHandler):
    """`POST /datadive/revoke {"user_id", "new_token"}`, Datadive only (its token): the user's
    sessions end, their open websockets close, and the server's token becomes `new_token`.

    The token changes because the user could read it (a kernel's environment holds it): from
    this answer on, the old one opens nothing. The server keeps running, and so do the other
    members' kernels."""

    def initialize(self, provider: DatadiveIdentityProvider) -> None:
        self.provider = provider

    @web.authenticated
    def post(self) -> None:
        if not self.token_authenticated:
            raise web.HTTPError(403, "only Datadive may revoke access")
        body = self.get_json_body() or {}
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise web.HTTPError(400, "user_id is required")
        new_token = body.get("new_token")
        if new_token is not None and (
            not isinstance(new_token, str) or len(new_token) < MIN_TOKEN_CHARACTERS
        ):
            raise web.HTTPError(
                400, f"new_token must be at least {MIN_TOKEN_CHARACTERS} characters"
            )
        revoked = self.provider.browser_sessions.revoke(user_id)
        if new_token is not None:
            self.provider.rotate_token(new_token)
            self.settings["token"] = new_token  # Jupyter's copy, read by its login page
        self.finish({"revoked": revoked, "token_rotated": new_token is not None})
