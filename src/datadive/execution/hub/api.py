"""Datadive's side of the JupyterHub REST API, as a Hub service holding a scoped token.

Every failure to reach the Hub, and every answer that means "not now", becomes a domain
error whose words a researcher can act on; nothing here knows about projects."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from datadive.execution.backend import ServerNotStarted

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 30.0


class HubUnreachable(ServerNotStarted):
    slug = "jupyterhub-unreachable"
    title = "JupyterHub is not reachable"


class HubBusy(ServerNotStarted):
    slug = "jupyterhub-busy"
    title = "JupyterHub is starting as many servers as it may"


class HubRefused(ServerNotStarted):
    slug = "jupyterhub-refused"
    title = "JupyterHub refused the request"


@dataclass(frozen=True)
class SpawnStep:
    """One of the Hub's progress events while a server starts (`progress` in percent)."""

    progress: int | None
    message: str
    ready: bool = False
    failed: bool = False

    @property
    def text(self) -> str:
        """The step as a researcher reads it: "Server requested (0%)"."""
        known = f" ({self.progress}%)" if self.progress is not None else ""
        return f"{self.message}{known}"


def spawn_step(event: dict[str, Any]) -> SpawnStep:
    """One of the Hub's progress events while a server starts."""
    progress = event.get("progress")
    return SpawnStep(
        progress=int(progress) if isinstance(progress, int | float) else None,
        message=str(event.get("message") or ""),
        ready=bool(event.get("ready")),
        failed=bool(event.get("failed")),
    )


def hub_message(response: httpx.Response) -> str:
    """The words of the Hub's JSON error, or the status line."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) and message else response.reason_phrase


class HubApi:
    def __init__(self, *, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.api_url + "/",
            headers={"Authorization": f"token {token}"},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def request(
        self, method: str, path: str, *, allow: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """The Hub's answer; the statuses in `allow` are answers too, any other 4xx/5xx an
        error that says what to do."""
        try:
            response = await self.http.request(method, path.lstrip("/"), **kwargs)
        except httpx.TransportError as exc:
            raise HubUnreachable(
                f"JupyterHub at {self.api_url} did not answer ({type(exc).__name__}: {exc}); "
                "project servers cannot start until it is back. Try again in a minute, or ask "
                "the administrator to check JupyterHub."
            ) from None
        if response.status_code < 400 or response.status_code in allow:
            return response
        if response.status_code == 429:
            retry = response.headers.get("Retry-After")
            raise HubBusy(
                "JupyterHub is starting as many project servers as it may at once "
                f"({hub_message(response)}); try again in "
                f"{f'{retry} seconds' if retry else 'a minute'}."
            )
        if response.status_code in (401, 403):
            raise HubRefused(
                f"JupyterHub refused Datadive's token for {method} {path} "
                f"({response.status_code}: {hub_message(response)}); the administrator must "
                "check DATADIVE_JUPYTERHUB_API_TOKEN and the scopes of Datadive's service role."
            )
        raise HubRefused(
            f"JupyterHub answered {method} {path} with {response.status_code}: "
            f"{hub_message(response)}"
        )

    @staticmethod
    def user_path(name: str, suffix: str = "") -> str:
        return f"users/{quote(name, safe='')}{suffix}"

    async def user(self, name: str) -> dict[str, Any] | None:
        response = await self.request("GET", self.user_path(name), allow=(404,))
        if response.status_code == 404:
            return None
        model: dict[str, Any] = response.json()
        return model

    async def create_user(self, name: str) -> dict[str, Any]:
        response = await self.request("POST", self.user_path(name), allow=(409,))
        if response.status_code == 409:  # made meanwhile (another Datadive process)
            made = await self.user(name)
            if made is None:
                raise HubRefused(f"JupyterHub says user {name} exists and then that it does not")
            return made
        model: dict[str, Any] = response.json()
        return model

    async def start_server(self, name: str) -> None:
        """Ask for the user's default server; starting or already running both do."""
        response = await self.request("POST", self.user_path(name, "/server"), allow=(400,))
        if response.status_code == 400 and "already running" not in hub_message(response):
            raise HubRefused(
                f"JupyterHub would not start the server of {name}: {hub_message(response)}"
            )

    async def stop_server(self, name: str) -> None:
        """Stop the user's default server (202: stopping, 204: stopped, 400: none runs)."""
        await self.request("DELETE", self.user_path(name, "/server"), allow=(400, 404))

    async def progress(self, name: str) -> AsyncIterator[SpawnStep]:
        """The Hub's progress events of a starting server, until ready or failed."""
        path = self.user_path(name, "/server/progress")
        try:
            async with self.http.stream("GET", path, timeout=httpx.Timeout(30, read=None)) as r:
                if r.status_code >= 400:
                    await r.aread()
                    if r.status_code == 400:  # not starting: already up or never asked
                        return
                    await self.request("GET", path)  # raises the error that fits
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # keep-alive blank lines
                    try:
                        event = json.loads(line.removeprefix("data:").strip())
                    except ValueError:
                        log.warning("unreadable progress event from JupyterHub: %r", line)
                        continue
                    step = spawn_step(event)
                    yield step
                    if step.ready or step.failed:
                        return
        except httpx.TransportError as exc:
            raise HubUnreachable(
                f"The connection to JupyterHub at {self.api_url} was lost while the project's "
                f"server started ({type(exc).__name__})."
            ) from None

    async def share_server(self, owner: str, *, with_user: str) -> None:
        """Share `owner`'s default server with the Hub user `with_user` (JupyterHub ≥ 5.5)."""
        await self.request("POST", f"shares/{quote(owner, safe='')}/", json={"user": with_user})

    async def unshare_server(self, owner: str, *, with_user: str) -> None:
        """End the share; nothing to end (no such user, server or share) is fine."""
        await self.request(
            "PATCH", f"shares/{quote(owner, safe='')}/", json={"user": with_user}, allow=(404,)
        )
