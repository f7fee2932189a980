"""Who is calling a project's Jupyter server: Datadive (its token, in a header) or a browser
that came through Datadive's one-time login code (a session cookie).

Loaded by the server as `--ServerApp.identity_provider_class`. Unlike Jupyter's default it
accepts the token only in the `Authorization` header (a `?token=` URL logs nobody in), never
turns the token into a cookie, has no password form, and keeps browser sessions in memory so
that Datadive can revoke a user at once.
"""

from __future__ import annotations

import hmac
import secrets
import sys
from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from tornado.websocket import WebSocketHandler

from datadive.jupyter.handlers import (
    LoginHandoffHandler,
    RevokeHandler,
    SignInThroughDatadiveHandler,
)
from datadive.jupyter.launch import read_launch_secrets
from datadive.jupyter.save_hook import SaveNotifier
from datadive.jupyter.sessions import BrowserSessions

DATADIVE_USER = User(username="datadive", name="Datadive", display_name="Datadive")


class DatadiveIdentityProvider(IdentityProvider):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        launched = read_launch_secrets(sys.stdin)
        self.browser_sessions = BrowserSessions(launched.login_key if launched else None)
        # Read by the post-save hook (`save_hook`), which Jupyter calls with the server's
        # contents manager only: the identity provider is where it finds the launch secrets.
        self.save_notifier = (
            SaveNotifier(url=launched.notice_url, key=launched.notice_key, log=self.log)
            if launched is not None and launched.notice_url and launched.notice_key
            else None
        )
        # Mixed into the cookie secret, which Jupyter otherwise keeps in a file that every
        # server (and kernel) of this account can read: cookies die with this process.
        self.process_secret = secrets.token_bytes(32)

    def cookie_secret_hook(self, h: hmac.HMAC) -> hmac.HMAC:
        h.update(self.process_secret)
        return h

    def rotate_token(self, new_token: str) -> None:
        """Datadive's token is now `new_token`; the old one opens nothing from here on."""
        self.token = new_token

    def get_token(self, handler: web.RequestHandler) -> str | None:
        match = self.auth_header_pat.match(handler.request.headers.get("Authorization", ""))
        return match.group(2) if match else None

    def bears_token(self, handler: web.RequestHandler) -> bool:
        given = self.get_token(handler)
        return (
            bool(self.token)
            and given is not None
            and hmac.compare_digest(given.encode(), str(self.token).encode())
        )

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        if self.bears_token(handler):
            handler._token_authenticated = True  # type: ignore[attr-defined]  # Jupyter reads it
            return DATADIVE_USER
        session_id = self.session_id(handler)
        session = self.browser_sessions.find(session_id) if session_id else None
        if session is None:
            if handler.get_cookie(self.get_cookie_name(handler)) is not None:
                self.clear_login_cookie(handler)  # revoked, or from an earlier server
            return None
        if isinstance(handler, WebSocketHandler):
            session.sockets.add(handler)
        return User(username=session.user_id, name=session.name, display_name=session.name)

    def session_id(self, handler: web.RequestHandler) -> str | None:
        value = handler.get_secure_cookie(
            self.get_cookie_name(handler), **self.get_secure_cookie_kwargs
        )
        return value.decode() if value else None

    def start_session(self, handler: web.RequestHandler, code: str) -> None:
        """Redeem a login code and set the session cookie; InvalidLoginCode when refused."""
        session_id = self.browser_sessions.redeem(code)
        options: dict[str, Any] = {"httponly": True, "samesite": "Lax"}
        options |= self.cookie_options
        if self.secure_cookie or (
            self.secure_cookie is None and handler.request.protocol == "https"
        ):
            options.setdefault("secure", True)
        options.setdefault("path", handler.base_url)  # type: ignore[attr-defined]
        handler.set_secure_cookie(self.get_cookie_name(handler), session_id, **options)

    def clear_login_cookie(self, handler: web.RequestHandler) -> None:
        if session_id := self.session_id(handler):
            self.browser_sessions.end(session_id)
        super().clear_login_cookie(handler)

    def user_to_cookie(self, user: User) -> str:
        raise NotImplementedError("browser sessions start only from a Datadive login code")

    def user_from_cookie(self, cookie_value: str) -> User | None:
        session = self.browser_sessions.find(cookie_value)
        if session is None:
            return None
        return User(username=session.user_id, name=session.name, display_name=session.name)

    def process_login_form(self, handler: web.RequestHandler) -> User | None:
        return None  # no password or token form: browsers come through Datadive

    def get_handlers(self) -> list[tuple[str, object]]:
        return [
            (r"/login", SignInThroughDatadiveHandler),
            (r"/logout", self.logout_handler_class),
            (r"/datadive/login", LoginHandoffHandler, {"provider": self}),  # type: ignore[list-item]
            (r"/datadive/revoke", RevokeHandler, {"provider": self}),  # type: ignore[list-item]
        ]
