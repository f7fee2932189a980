"""Who is calling: a user, and how they proved it (a browser session or an API token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from datadive.db.models import User


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: str | None = None
    token_scope: Literal["read", "write"] | None = None

    @property
    def via_session(self) -> bool:
        return self.session_id is not None
