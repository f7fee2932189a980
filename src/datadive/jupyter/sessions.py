"""The browsers a project's Jupyter server has let in, and the codes it has redeemed.

Kept in the server's memory on purpose: a session lives no longer than the server (the cookie
secret is new in each process too), and revoking a user needs no storage Datadive would have
to share with the server.
"""

from __future__ import annotations

import secrets
import time
import weakref
from dataclasses import dataclass, field
from typing import Protocol

from datadive.jupyter.login_codes import InvalidLoginCode, read_login_code

# Close code for a websocket whose user lost access (4000-4999: private use).
REVOKED_CLOSE_CODE = 4403


class Closable(Protocol):
    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


@dataclass
class BrowserSession:
    user_id: str
    name: str
    # Open websockets (kernels, terminals) of this session: they outlive the request that
    # opened them, so revoking must close them too.
    sockets: weakref.WeakSet[Closable] = field(default_factory=weakref.WeakSet)


class BrowserSessions:
    def __init__(self, login_key: bytes | None) -> None:
        self.login_key = login_key
        self.sessions: dict[str, BrowserSession] = {}
        self.used_nonces: dict[str, float] = {}

    @property
    def handoff_enabled(self) -> bool:
        return self.login_key is not None

    def redeem(self, code: str, *, now: float | None = None) -> str:
        """A new session id for the code's user; InvalidLoginCode if it is bad or was used."""
        if self.login_key is None:
            raise InvalidLoginCode("this server takes no login codes")
        moment = time.time() if now is None else now
        found = read_login_code(self.login_key, code, now=moment)
        self.used_nonces = {n: exp for n, exp in self.used_nonces.items() if exp >= moment}
        if found.nonce in self.used_nonces:
            raise InvalidLoginCode("already used")
        self.used_nonces[found.nonce] = found.expires_at
        session_id = secrets.token_urlsafe(32)
        self.sessions[session_id] = BrowserSession(user_id=found.user_id, name=found.name)
        return session_id

    def find(self, session_id: str) -> BrowserSession | None:
        return self.sessions.get(session_id)

    def end(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    def revoke(self, user_id: str) -> int:
        """End every session of `user_id` and close its websockets; how many sessions ended."""
        ended = [sid for sid, s in self.sessions.items() if s.user_id == user_id]
        for session_id in ended:
            session = self.sessions.pop(session_id)
            for socket in list(session.sockets):
                socket.close(REVOKED_CLOSE_CODE, "access revoked")
        return len(ended)
