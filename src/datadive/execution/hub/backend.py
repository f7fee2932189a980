"""The `jupyterhub` backend: each project is a JupyterHub user whose default server is the
project's Jupyter server, started, followed and stopped through the Hub REST API by Datadive
as a Hub service (see docs/explanation/execution.md, "On JupyterHub").

Datadive reaches a project server through the Hub's proxy with its own service token (role
scope `access:servers`): the Jupyter client, kernel websockets included, works unchanged.
The Hub, not Datadive, owns the servers: several Datadive processes share them, and the
Hub's idle culler stops them; nothing is kept in this process but locks."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from datadive.execution.backend import (
    ExecutionBackend,
    LoginForm,
    ServerHandle,
    ServerNotRunning,
    ServerNotStarted,
    ServerStatus,
)
from datadive.execution.hub import contents
from datadive.execution.hub.api import HubApi, SpawnStep
from datadive.jupyter.login_codes import HUB_LOGIN_PATH as LOGIN_PATH
from datadive.jupyter.login_codes import (
    InvalidLoginCode,
    LoginCode,
    issue_login_code,
    read_login_code,
)

log = logging.getLogger(__name__)

# Hub user names become DNS labels with `subdomain_host` (at most 63 characters): a UUID
# and this prefix take 45.
PROJECT_USER_PREFIX = "datadive-"
PERSON_USER_PREFIX = "dd-"
StepListener = Callable[[str, str], Awaitable[None]]
START_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 60.0
PROBE_TIMEOUT_SECONDS = 10.0
PROBE_ATTEMPTS = 3
PROBE_PAUSE_SECONDS = 0.5
NOT_RUNNING = (
    "The project's notebook files live in its Jupyter server on JupyterHub, which is not "
    "running; they are read and written again once it runs."
)


def person_user(user_id: str) -> str:
    """The Hub user that stands for a Datadive person opening JupyterLab."""
    return PERSON_USER_PREFIX + user_id.lower()


def login_key(api_token: str) -> bytes:
    """The key of JupyterHub login codes: derived from Datadive's Hub token, which every
    Datadive process knows (a code issued by one is redeemed by another)."""
    return hmac.new(api_token.encode(), b"datadive jupyterhub login codes", "sha256").digest()


def hub_user(project_id: str) -> str:
    """The Hub user that stands for a project (names are lower case in the Hub)."""
    return PROJECT_USER_PREFIX + project_id.lower()


def spawn_failure(step: SpawnStep) -> str:
    reason = step.message.removeprefix("Spawn failed:").strip()
    if not reason:  # a spawner's timeout, for one, comes without words
        reason = "it gave no reason (its log tells more)"
    return (
        f"JupyterHub could not start the project's server: {reason}. Try again; if it keeps "
        "happening, ask the administrator."
    )


class HubBackend(ExecutionBackend):
    def __init__(
        self,
        *,
        hub_url: str,
        api_token: str,
        api_url: str | None = None,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ) -> None:
        """`hub_url`: the Hub's public address (its proxy), through which the project servers
        are reached; `api_url`: its REST API when reached another way (default: through the
        proxy, `<hub_url>/hub/api`)."""
        self.hub_url = hub_url.rstrip("/")
        self.token = api_token
        self.login_key = login_key(api_token)
        self.api = HubApi(api_url=api_url or f"{self.hub_url}/hub/api", token=api_token)
        self.start_timeout = start_timeout
        self.locks: dict[str, asyncio.Lock] = {}
        self.step_listeners: list[StepListener] = []

    def watch_start_steps(self, on_step: StepListener) -> None:
        """`on_step(project_id, text)` hears each of the Hub's progress events while a
        project's server starts ("Server requested (0%)"; the workspace shows them)."""
        self.step_listeners.append(on_step)

    async def _tell(self, project_id: str, step: SpawnStep) -> None:
        log.info("starting %s's server: %s%%: %s", project_id, step.progress, step.message)
        for on_step in self.step_listeners:
            await on_step(project_id, step.text)

    def _lock(self, project_id: str) -> asyncio.Lock:
        return self.locks.setdefault(project_id, asyncio.Lock())

    def _handle(self, server: dict[str, Any]) -> ServerHandle:
        # With `subdomain_host` the Hub gives a full URL; otherwise a path on its proxy.
        url = urljoin(self.hub_url + "/", str(server["url"])).rstrip("/")
        return ServerHandle(url=url, token=self.token, server_id=str(server.get("started")))

    async def _server(self, name: str) -> dict[str, Any] | None:
        model = await self.api.user(name)
        if model is None:
            return None
        server: dict[str, Any] | None = (model.get("servers") or {}).get("")
        return server

    async def _answers(self, handle: ServerHandle) -> bool:
        """Whether the server answers through the proxy (the Hub may not have noticed yet
        that it died). Asked a few times: a server wrongly taken for dead is stopped, and its
        kernels with it."""
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as http:
            for attempt in range(PROBE_ATTEMPTS):
                if attempt:
                    await asyncio.sleep(PROBE_PAUSE_SECONDS)
                try:
                    response = await http.get(
                        f"{handle.url}/api/status",
                        headers={"Authorization": f"token {handle.token}"},
                    )
                except httpx.TransportError:
                    continue
                if response.status_code == 200:
                    return True
        return False

    async def ensure_server(self, project_id: str, *, user_id: str | None = None) -> ServerHandle:
        name = hub_user(project_id)
        async with self._lock(project_id):
            model = await self.api.user(name) or await self.api.create_user(name)
            server: dict[str, Any] | None = (model.get("servers") or {}).get("")
            if server is not None and server.get("ready"):
                handle = self._handle(server)
                if await self._answers(handle):
                    return handle
                log.warning("%s's server does not answer; asking JupyterHub for another", name)
                await self._stop_and_wait(name)
            elif server is not None and server.get("pending") == "stop":
                await self._stop_and_wait(name)
            return await self._start(project_id, name)

    async def _start(self, project_id: str, name: str) -> ServerHandle:
        last_step: SpawnStep | None = None
        try:
            async with asyncio.timeout(self.start_timeout):
                await self.api.start_server(name)
                async for step in self.api.progress(name):
                    last_step = step
                    await self._tell(project_id, step)
                    if step.failed:
                        raise ServerNotStarted(spawn_failure(step))
                server = await self._server(name)
        except TimeoutError:
            last = f" (its last step: {last_step.message})" if last_step is not None else ""
            # Not left half-started: the Hub takes a stop as the end of a pending start.
            await asyncio.shield(self.api.stop_server(name))
            raise ServerNotStarted(
                f"The project's server did not start within {self.start_timeout:.0f} s{last}; "
                "it was stopped. Try again; if it keeps happening, the cluster may have no "
                "room: ask the administrator."
            ) from None
        if server is None or not server.get("ready"):
            raise ServerNotStarted("The project's server stopped right after it started.")
        return self._handle(server)

    async def _stop_and_wait(self, name: str) -> None:
        await self.api.stop_server(name)
        async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
            while True:
                server = await self._server(name)
                if server is None or (not server.get("pending") and not server.get("ready")):
                    return
                await asyncio.sleep(0.2)

    async def status(self, project_id: str) -> ServerStatus:
        server = await self._server(hub_user(project_id))
        if server is None or not server.get("ready"):
            return ServerStatus(running=False)
        handle = self._handle(server)
        started = server.get("started")
        return ServerStatus(
            running=True,
            url=handle.url,
            started_at=datetime.fromisoformat(started) if started else None,
            server_id=handle.server_id,
        )

    async def stop(self, project_id: str) -> None:
        async with self._lock(project_id):
            await self._stop_and_wait(hub_user(project_id))

    async def _running_handle(self, project_id: str) -> ServerHandle | None:
        server = await self._server(hub_user(project_id))
        return self._handle(server) if server is not None and server.get("ready") else None

    async def read_notebook(self, project_id: str, path: str) -> bytes | None:
        handle = await self._running_handle(project_id)
        if handle is None:
            raise ServerNotRunning(NOT_RUNNING)
        return await contents.read_file(handle, path)

    async def write_notebook(
        self, project_id: str, path: str, document: str, *, expected_sha256: str | None
    ) -> None:
        handle = await self._running_handle(project_id)
        if handle is None:
            raise ServerNotRunning(NOT_RUNNING)
        await contents.replace_file(handle, path, document, expected_sha256=expected_sha256)

    async def login_url(
        self, project_id: str, *, user_id: str, name: str, next_path: str
    ) -> str | None:
        raise NotImplementedError("JupyterHub logins are forms (login_form), never URLs")

    async def login_form(
        self, project_id: str, *, user_id: str, name: str, next_path: str
    ) -> LoginForm | None:
        """Share the project's running server with the person's Hub user (made if new) and
        give the form that signs them in to the Hub and opens `next_path` on that server."""
        server = await self._server(hub_user(project_id))
        if server is None or not server.get("ready"):
            return None
        person = person_user(user_id)
        if await self.api.user(person) is None:
            await self.api.create_user(person)
        await self.api.share_server(hub_user(project_id), with_user=person)
        code = issue_login_code(self.login_key, user_id=user_id, name=name, project_id=project_id)
        url = str(server["url"]).rstrip("/")  # a path, or a full URL with `subdomain_host`
        return LoginForm(
            action=f"{self.hub_url}/hub/{LOGIN_PATH}",
            fields={"code": code, "next": url + next_path},
        )

    def read_login_code(self, code: str) -> LoginCode:
        """The code's person and project if Datadive issued it and it has not expired;
        InvalidLoginCode otherwise (that it is used once is the Hub's to check)."""
        found = read_login_code(self.login_key, code)
        if not found.project_id:
            raise InvalidLoginCode("not a JupyterHub login code")
        return found

    async def revoke(self, project_id: str, *, user_id: str) -> None:
        """End the share: the person's requests to the project's server are refused from the
        moment the server asks the Hub again (`HubOAuth.cache_max_age`, 1 s in the values and
        the how-to). A Hub that cannot be told raises, and the membership change with it."""
        await self.api.unshare_server(hub_user(project_id), with_user=person_user(user_id))

    async def shutdown(self) -> None:
        """The servers stay: they belong to the Hub and serve every Datadive process; the
        Hub's idle culler stops them."""
        await self.api.close()
