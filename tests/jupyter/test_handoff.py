"""The way from Datadive into a project's JupyterLab, on a real server: a one-time login URL,
a session cookie of the server's own, and revocation that takes effect on the next request.

SECURITY.md checks 13 (revoking takes effect at once, Jupyter too), 18 (no `?token=` URLs)
and 19 (the kernel cannot reach the secret that mints logins).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import nbformat
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from datadive.execution.backend import ServerHandle
from datadive.execution.client import JupyterClient
from datadive.execution.local import LocalBackend
from datadive.jupyter.login_codes import issue_login_code
from datadive.jupyter.sessions import REVOKED_CLOSE_CODE
from tests.jupyter.conftest import PROJECT

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(loop_scope="module")
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client that keeps cookies, as a browser would."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as client:
        yield client


async def log_in(
    backend: LocalBackend, client: httpx.AsyncClient, *, user_id: str, next_path: str = "/lab"
) -> httpx.Response:
    url = await backend.login_url(
        PROJECT, user_id=user_id, name=f"{user_id}-name", next_path=next_path
    )
    assert url is not None
    return await client.get(url)


def login_key(backend: LocalBackend) -> bytes:
    return backend.servers[PROJECT].login_key


async def test_the_login_url_opens_the_notebook_in_jupyterlab(
    backend: LocalBackend, server: ServerHandle, browser: httpx.AsyncClient
) -> None:
    url = await backend.login_url(
        PROJECT, user_id="u-ada", name="ada", next_path="/lab/tree/analysis.ipynb"
    )
    assert url is not None
    assert url.startswith(f"{server.url}/datadive/login?")
    assert server.token not in url
    assert "token" not in parse_qs(urlsplit(url).query)

    landed = await browser.get(url)
    contents = await browser.get(f"{server.url}/api/contents/analysis.ipynb")
    me = await browser.get(f"{server.url}/api/me")

    assert landed.status_code == 200
    assert landed.url.path == "/lab/tree/analysis.ipynb"
    assert "JupyterLab" in landed.text
    cookie = landed.history[0].headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert contents.status_code == 200
    assert contents.json()["type"] == "notebook"
    assert me.json()["identity"]["username"] == "u-ada"
    assert me.json()["identity"]["name"] == "ada"


async def test_a_login_url_works_once(backend: LocalBackend, server: ServerHandle) -> None:
    url = await backend.login_url(PROJECT, user_id="u-ada", name="ada", next_path="/lab")
    assert url is not None
    async with (
        httpx.AsyncClient(timeout=30) as first,
        httpx.AsyncClient(timeout=30) as second,
    ):
        used = await first.get(url)
        again = await second.get(url)
        after = await second.get(f"{server.url}/api/contents")

    assert used.status_code == 302
    assert again.status_code == 403
    assert "Open it from the project in Datadive" in again.text
    assert after.status_code == 403


def forged_codes(key: bytes) -> dict[str, str]:
    good = issue_login_code(key, user_id="u-ada", name="ada")
    version, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    boss = base64.urlsafe_b64encode(json.dumps(claims | {"u": "u-boss"}).encode()).decode()
    return {
        "another key": issue_login_code(secrets.token_bytes(32), user_id="u-ada", name="ada"),
        "expired": issue_login_code(key, user_id="u-ada", name="ada", now=time.time() - 61),
        "payload changed": f"{version}.{boss.rstrip('=')}.{signature}",
        "signature cut": f"{version}.{payload}.{signature[:-4]}",
        "no code": "",
    }


async def test_forged_changed_or_expired_codes_log_nobody_in(
    backend: LocalBackend, server: ServerHandle
) -> None:
    for label, code in forged_codes(login_key(backend)).items():
        async with httpx.AsyncClient(timeout=30) as client:
            query = urlencode({"code": code, "next": "/lab"})
            refused = await client.get(f"{server.url}/datadive/login?{query}")
            after = await client.get(f"{server.url}/api/contents")
        assert refused.status_code == 403, label
        assert "set-cookie" not in {k.lower() for k in refused.headers if k != "set-cookie"}
        assert after.status_code == 403, label


@pytest.mark.parametrize(
    "wanted",
    [
        "https://evil.example/lab",
        "//evil.example/lab",
        "/\\evil.example/lab",
        "http:/evil.example",
        "javascript:alert(1)",
        "lab",
        "/lab\r\nLocation: https://evil.example",
    ],
)
async def test_next_never_leads_off_the_server(
    backend: LocalBackend, server: ServerHandle, wanted: str
) -> None:
    url = await backend.login_url(PROJECT, user_id="u-ada", name="ada", next_path=wanted)
    assert url is not None
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as client:
        answer = await client.get(url)

    location = urlsplit(answer.history[0].headers["location"])
    assert (location.scheme, location.netloc) == ("", "")
    assert location.path.startswith("/")
    assert not location.path.startswith("//")
    assert answer.status_code == 200
    assert answer.url.path == "/lab"  # the server's start page
    assert str(answer.url).startswith(server.url + "/")


async def test_a_token_url_logs_nobody_in(server: ServerHandle) -> None:
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as client:
        api = await client.get(f"{server.url}/api/contents", params={"token": server.token})
        lab = await client.get(f"{server.url}/lab", params={"token": server.token})
        form = await client.post(f"{server.url}/login", data={"password": server.token})
        after = await client.get(f"{server.url}/api/contents")

    assert api.status_code == 403
    assert lab.status_code == 403
    assert lab.url.path == "/login"
    assert "Open it from the project in Datadive" in lab.text
    assert form.status_code in {403, 405}
    assert after.status_code == 403
    assert set(client.cookies.keys()) <= {"_xsrf"}  # no login cookie


async def open_kernel_socket(
    server: ServerHandle, browser: httpx.AsyncClient
) -> tuple[str, ClientConnection]:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"token {server.token}"}
    ) as datadive:
        kernel = (await datadive.post("/api/kernels", json={"name": "python3"})).json()
    cookies = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    socket = await connect(
        f"{server.websocket_url}/api/kernels/{kernel['id']}/channels",
        additional_headers={"Cookie": cookies, "Origin": server.url},
    )
    return kernel["id"], socket


async def close_code_of(socket: ClientConnection) -> int | None:
    """Read until the server closes the socket; its close code."""
    try:
        async with asyncio.timeout(10):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def test_revoking_a_user_ends_their_access_on_the_next_request(
    backend: LocalBackend, server: ServerHandle
) -> None:
    async with (
        httpx.AsyncClient(follow_redirects=True, timeout=30) as ada,
        httpx.AsyncClient(follow_redirects=True, timeout=30) as bob,
    ):
        await log_in(backend, ada, user_id="u-ada")
        await log_in(backend, bob, user_id="u-bob")
        _, socket = await open_kernel_socket(server, ada)
        assert (await ada.get(f"{server.url}/api/contents")).status_code == 200

        await backend.revoke(PROJECT, user_id="u-ada")

        ada_next = await ada.get(f"{server.url}/api/contents")
        ada_lab = await ada.get(f"{server.url}/lab")
        bob_next = await bob.get(f"{server.url}/api/contents")
        close_code = await close_code_of(socket)
        await socket.close()
        again = await log_in(backend, ada, user_id="u-ada")

    assert ada_next.status_code == 403
    assert ada_lab.url.path == "/login"
    assert bob_next.status_code == 200
    assert close_code == REVOKED_CLOSE_CODE
    assert again.status_code == 200  # a new login from Datadive works again
    assert (await backend.status(PROJECT)).running


async def test_only_datadive_may_revoke(backend: LocalBackend, server: ServerHandle) -> None:
    async with (
        httpx.AsyncClient(follow_redirects=True, timeout=30) as ada,
        httpx.AsyncClient(follow_redirects=True, timeout=30) as bob,
    ):
        await log_in(backend, ada, user_id="u-ada")
        await log_in(backend, bob, user_id="u-bob")
        xsrf = ada.cookies.get("_xsrf")
        assert xsrf
        by_ada = await ada.post(
            f"{server.url}/datadive/revoke",
            json={"user_id": "u-bob"},
            headers={"X-XSRFToken": xsrf, "Origin": server.url},
        )
        async with httpx.AsyncClient(timeout=30) as nobody:
            by_nobody = await nobody.post(
                f"{server.url}/datadive/revoke", json={"user_id": "u-bob"}
            )
        bob_after = await bob.get(f"{server.url}/api/contents")

    assert by_ada.status_code == 403
    assert by_nobody.status_code == 403
    assert bob_after.status_code == 200


SEARCH_FOR_SECRETS = r"""
import glob, json, os
from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir

needles = {name: [v.encode() for v in values] for name, values in NEEDLES.items()}
found, looked = [], 0

def look(where, data):
    global looked
    looked += 1
    for name, values in needles.items():
        if any(v in data for v in values):
            found.append((name, where))

look("os.environ", repr(dict(os.environ)).encode())
for path in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        with open(path, "rb") as f:
            look(path, f.read())
    except OSError:
        pass
try:  # what is left on the server's standard input
    fd = os.open(f"/proc/{os.getppid()}/fd/0", os.O_RDONLY | os.O_NONBLOCK)
    look("server stdin", os.read(fd, 65536))
    os.close(fd)
except OSError:
    pass
roots = ROOTS + [jupyter_runtime_dir(), jupyter_data_dir(), jupyter_config_dir()]
for root in roots:
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                with open(os.path.join(folder, name), "rb") as f:
                    look(os.path.join(folder, name), f.read(1_000_000))
            except OSError:
                pass
print(json.dumps({"found": found, "looked": looked}))
"""


def encodings(key: bytes) -> list[str]:
    return [base64.b64encode(key).decode(), key.hex(), base64.urlsafe_b64encode(key).decode()]


async def test_the_kernel_cannot_find_the_login_key(
    backend: LocalBackend, server: ServerHandle
) -> None:
    key = login_key(backend)
    notice_key = backend.save_notice_key(PROJECT)
    assert notice_key is not None
    needles = {
        "login key": encodings(key),
        # Signs the server's notices of saved notebooks: handed over the same way.
        "notice key": encodings(notice_key),
        # The control: the token the server started with is in its environment, which the
        # kernel (same account) can read; finding it shows the search looks where a key could
        # be. (Revoking a member since has rotated the token the server takes.)
        "server token": [server.token],
    }
    roots = [str(backend.workspaces.parent)]
    code = f"NEEDLES = {needles!r}\nROOTS = {roots!r}\n{SEARCH_FOR_SECRETS}"
    client = JupyterClient(await backend.ensure_server(PROJECT))
    try:
        kernel = await client.start_session(path="search.ipynb")
        result = await client.execute(kernel.kernel_id, code)
    finally:
        await client.close()

    assert result.status == "ok", result.outputs
    report = json.loads(result.outputs[0]["text"])
    assert report["looked"] > 10
    assert [where for name, where in report["found"] if name == "login key"] == []
    assert [where for name, where in report["found"] if name == "notice key"] == []
    assert any(name == "server token" for name, _ in report["found"])


async def test_a_save_goes_through_when_datadive_cannot_be_told(
    backend: LocalBackend,
    server: ServerHandle,
    browser: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The server tells Datadive of each saved notebook; here nobody listens at Datadive's
    address, and the save must neither fail nor wait for it."""
    caplog.set_level(logging.DEBUG, logger="datadive.execution.local")  # the server's log
    await log_in(backend, browser, user_id="u-ada", next_path="/lab/tree/analysis.ipynb")
    content = {
        "cells": [{"cell_type": "markdown", "id": "note-1", "metadata": {}, "source": "# Hi"}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    saved = await browser.put(
        f"{server.url}/api/contents/analysis.ipynb",
        json={"type": "notebook", "format": "json", "content": content},
        headers={"X-XSRFToken": browser.cookies["_xsrf"], "Origin": server.url},
    )

    assert saved.status_code == 200, saved.text
    on_disk = nbformat.read(backend.workspace(PROJECT) / "analysis.ipynb", as_version=4)
    assert [cell.source for cell in on_disk.cells] == ["# Hi"]
    warned = "Datadive not told of the save of analysis.ipynb"
    for _ in range(100):  # the hook did try, after the save had answered
        if warned in caplog.text:
            break
        await asyncio.sleep(0.1)
    assert warned in caplog.text
