"""A project's notebook files through the Jupyter contents API of its hub-spawned server:
on the JupyterHub backend the files live with the server (its volume), not with Datadive."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

import httpx

from datadive.execution.backend import NotebookFileChanged, ServerHandle
from datadive.execution.client import JupyterUnavailable, jupyter_message

TIMEOUT_SECONDS = 30.0


def _client(handle: ServerHandle) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=handle.url,
        headers={"Authorization": f"token {handle.token}"},
        timeout=TIMEOUT_SECONDS,
    )


def _contents(path: str) -> str:
    if not path or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"{path!r} is not a path inside the project")
    return "/api/contents/" + quote(path)


async def _send(http: httpx.AsyncClient, method: str, url: str, **kwargs: object) -> httpx.Response:
    try:
        response = await http.request(method, url, **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as exc:
        raise JupyterUnavailable(f"The project's Jupyter server did not answer: {exc}") from None
    if response.status_code >= 400 and response.status_code != 404:
        raise JupyterUnavailable(
            f"The project's Jupyter server refused {method} {url}: "
            f"{response.status_code} {jupyter_message(response)}"
        )
    return response


async def _read(http: httpx.AsyncClient, path: str) -> bytes | None:
    response = await _send(
        http, "GET", _contents(path), params={"type": "file", "format": "base64", "content": 1}
    )
    if response.status_code == 404:
        return None
    return base64.b64decode(response.json()["content"])


async def read_file(handle: ServerHandle, path: str) -> bytes | None:
    """The file's bytes as stored in the server; None when there is none."""
    async with _client(handle) as http:
        return await _read(http, path)


async def replace_file(
    handle: ServerHandle, path: str, text: str, *, expected_sha256: str | None
) -> None:
    """Write `text` at `path` (folders made first) if the file is still the one read.

    The contents API has no compare-and-swap: the check is made just before the write, and
    a save landing between the two is not caught (a window of one request; the local backend
    has none). The file is written as text, so its bytes are exactly `text`'s."""
    async with _client(handle) as http:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = _contents("/".join(parts[:depth]))
            if (await _send(http, "GET", folder, params={"content": 0})).status_code == 404:
                await _send(http, "PUT", folder, json={"type": "directory"})
        now = await _read(http, path)
        if (hashlib.sha256(now).hexdigest() if now is not None else None) != expected_sha256:
            raise NotebookFileChanged(f"{path} changed since it was read")
        await _send(
            http,
            "PUT",
            _contents(path),
            json={"type": "file", "format": "text", "content": text},
        )
