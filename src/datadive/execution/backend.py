"""The execution seam: something that gives each project a Jupyter server."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from datadive.errors import Unavailable


class ServerNotStarted(Unavailable):
    slug = "server-not-started"
    title = "The project's Jupyter server could not start"


@dataclass(frozen=True)
class ServerHandle:
    """How to reach a project's Jupyter server. The token never leaves Datadive."""

    url: str
    token: str

    @property
    def websocket_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str | None = None
    started_at: datetime | None = None


class ExecutionBackend(ABC):
    @abstractmethod
    async def ensure_server(self, project_id: str) -> ServerHandle:
        """The project's server, started if it is not running; ServerNotStarted on failure."""

    @abstractmethod
    async def status(self, project_id: str) -> ServerStatus: ...

    @abstractmethod
    async def stop(self, project_id: str) -> None: ...

    async def clean_orphans(self) -> int:
        """Stop servers an earlier, crashed Datadive left running; how many were stopped."""
        return 0

    @abstractmethod
    async def shutdown(self) -> None:
        """Stop every server this backend started (Datadive is shutting down)."""
