"""The execution seam: something that gives each project a Jupyter server."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime

from datadive.errors import Conflict, Unavailable


class ServerNotStarted(Unavailable):
    slug = "server-not-started"
    title = "The project's Jupyter server could not start"


class NotebookFileChanged(Conflict):
    slug = "notebook-file-changed"
    title = "The notebook's file changed since it was read"


class ServerNotRunning(Conflict):
    slug = "server-not-running"
    title = "The project's Jupyter server is not running"


@dataclass(frozen=True)
class ServerHandle:
    """How to reach a project's Jupyter server. The token never leaves Datadive.

    `server_id` names one run of a server: it stays when the token is rotated (a member lost
    access) and changes when a new server starts, even on the same port."""

    url: str
    token: str
    server_id: str = ""

    def with_token(self, token: str) -> ServerHandle:
        return replace(self, token=token)

    def same_server(self, other: ServerHandle) -> bool:
        return self.url == other.url and self.server_id == other.server_id

    @property
    def websocket_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


@dataclass(frozen=True)
class LoginForm:
    """A login the browser posts to JupyterHub: `fields` hold a one-time code, so they travel
    in the body of a POST, never in a URL."""

    action: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    url: str | None = None
    started_at: datetime | None = None
    server_id: str | None = None  # as in ServerHandle: which run of the server this is


class ExecutionBackend(ABC):
    @abstractmethod
    async def ensure_server(self, project_id: str, *, user_id: str | None = None) -> ServerHandle:
        """The project's server, started if it is not running; ServerNotStarted on failure.
        `user_id`: whose request starts it (a bound per person may apply; see ServersBusy)."""

    @abstractmethod
    async def status(self, project_id: str) -> ServerStatus: ...

    @abstractmethod
    async def stop(self, project_id: str) -> None: ...

    @abstractmethod
    async def login_url(
        self, project_id: str, *, user_id: str, name: str, next_path: str
    ) -> str | None:
        """A one-time URL that logs `user_id` in to the project's running server and opens
        `next_path` there (e.g. `/lab/tree/analysis.ipynb`); None when no server runs.

        Never a `?token=` URL: the browser gets a login of its own, which `revoke` ends."""

    async def login_form(
        self, project_id: str, *, user_id: str, name: str, next_path: str
    ) -> LoginForm | None:
        """For a backend whose login is a form posted elsewhere (JupyterHub): as `login_url`,
        None when no server runs. Backends with a one-time login URL raise NotImplementedError.
        """
        raise NotImplementedError

    @abstractmethod
    async def revoke(self, project_id: str, *, user_id: str) -> None:
        """`user_id` loses access to the project's server from the next request on, open
        connections included. Must not fail silently: when the server cannot be told, it
        is stopped."""

    @abstractmethod
    async def read_notebook(self, project_id: str, path: str) -> bytes | None:
        """The file at `path` in the project's workspace as it is now; None when there is
        none. Works whether or not the project's server runs."""

    @abstractmethod
    async def write_notebook(
        self, project_id: str, path: str, document: str, *, expected_sha256: str | None
    ) -> None:
        """Write a notebook (nbformat JSON) at `path` in the project's workspace, whether or
        not its server runs, replacing the old file in one step, provided the file is still
        the one that was read (`expected_sha256`; None: there was none). NotebookFileChanged
        when it is not: someone saved it meanwhile, and their change must be taken in first."""

    def save_notice_key(self, project_id: str) -> bytes | None:
        """The key with which the project's running server signs its notices of saved
        notebooks (`datadive.jupyter.save_notices`); None when no such server runs."""
        return None

    @property
    def kernels_sandboxed(self) -> bool | None:
        """Whether kernels run in a sandbox of this backend's making; None when the backend
        leaves that to something else (JupyterHub's spawner)."""
        return None

    def watch_runs(  # noqa: B027 - a backend with no bounds of its own need not know
        self,
        projects_running: Callable[[], Collection[str]],
        *,
        server_stopped: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        """Learn which projects have a run in progress: their servers are busy, never the one
        stopped to make room for another; `server_stopped(project_id)` is told of a server
        stopped so (its kernels' variables are gone)."""

    def watch_start_steps(  # noqa: B027 - a backend whose servers start in one step need not
        self, on_step: Callable[[str, str], Awaitable[None]]
    ) -> None:
        """Be told what a server start is doing, as it goes: `on_step(project_id, text)` with
        text for a researcher ("Installing 3 packages from requirements.txt…")."""

    def warm_up_soon(self, project_id: str, *, user_id: str | None) -> None:  # noqa: B027
        """Someone who may run cells is about to (opened a notebook, created one): start
        what the first run needs in the background, if the backend keeps a warm pool. Returns
        at once; never fails (the run that follows reports any trouble)."""

    def kernel_stop_reason(self, project_id: str, kernel_id: str) -> str | None:
        """Why the backend itself stopped this kernel (over its memory limit), told once;
        None when it did not."""
        return None

    async def clean_orphans(self) -> int:
        """Stop servers an earlier, crashed Datadive left running; how many were stopped."""
        return 0

    @abstractmethod
    async def shutdown(self) -> None:
        """Stop every server this backend started (Datadive is shutting down)."""
