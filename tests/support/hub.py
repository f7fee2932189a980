"""A real JupyterHub for tests: `jupyterhub` from PyPI with configurable-http-proxy from npm,
a local-process spawner that starts `jupyterhub-singleuser` in a folder per Hub user, an
allow-all authenticator for the Hub's own users, and Datadive registered as a Hub service
with the scopes its backend needs (the same role as in docs/how-to; nothing more)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.s3 import free_port

# A project's id -> the folder its Jupyter server works in (fixture `project_folder`).
ProjectFolder = Callable[[str], Path]
# Runs a test (or a module, in `pytestmark`) once on each execution backend; `-m hub` selects
# the runs on JupyterHub.
ON_BOTH_BACKENDS = pytest.mark.parametrize(
    "execution_backend", ["local", pytest.param("hub", marks=pytest.mark.hub)], indirect=True
)

REPOSITORY = Path(__file__).parents[2]
PROXY_FOLDER = REPOSITORY / ".cache" / "configurable-http-proxy"
PROXY_PACKAGE = "configurable-http-proxy@5"
# What Datadive's service role needs, as docs/how-to/use-jupyterhub.md gives it.
DATADIVE_SCOPES = ["admin:users", "servers", "access:servers", "shares"]
# The Hub's `user` role, as deploy/jupyterhub/values.yaml narrows it (the default, `self`, would
# let a person start a server of their own and mint API tokens).
USER_SCOPES = ["read:users!user", "read:shares!user", "users:activity!user", "access:servers!user"]
START_SECONDS = 60.0

CONFIG = '''
import asyncio
import sys

from jupyterhub.spawner import SimpleLocalProcessSpawner
from traitlets import Float


class ProjectFolderSpawner(SimpleLocalProcessSpawner):
    """Each Hub user's server runs in a folder of its own (its "home"), as the test's user.
    `start_delay`: a cluster slow to find room for a server (the 429 and timeout tests)."""

    start_delay = Float(0.0).tag(config=True)

    async def start(self):
        if self.start_delay:
            await asyncio.sleep(self.start_delay)
        return await super().start()

    async def progress(self):
        yield {{"progress": 20, "message": f"Starting Jupyter in {{self.home_dir}}"}}


c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
c.JupyterHub.db_url = "sqlite:///{root}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{root}/cookie_secret"
c.JupyterHub.pid_file = "{root}/hub.pid"
# People sign in through Datadive only (tests/jupyter/test_hub_logins.py serves Datadive there).
c.JupyterHub.authenticator_class = "datadive.jupyter.hub_authenticator.DatadiveAuthenticator"
c.DatadiveAuthenticator.datadive_url = "http://localhost:{datadive_port}"
c.DatadiveAuthenticator.api_token = {token!r}
c.JupyterHub.spawner_class = ProjectFolderSpawner
c.ProjectFolderSpawner.start_delay = {start_delay}
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = {server_args!r}
c.Spawner.start_timeout = {start_timeout}
c.Spawner.http_timeout = 60
c.JupyterHub.concurrent_spawn_limit = {spawn_limit}
# Answer a start request at once and let progress tell the rest (as deploy/ advises).
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [
    {{"name": "datadive", "api_token": {token!r}}},
    {{"name": "tests", "api_token": {admin_token!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "datadive", "scopes": {scopes!r}, "services": ["datadive"]}},
    {{"name": "tests", "scopes": ["admin:users", "admin:servers"], "services": ["tests"]}},
    # People (`dd-…`) reach shared project servers only: no server, token or share of their own.
    {{"name": "user", "scopes": {user_scopes!r}}},
]
'''


@dataclass(frozen=True)
class Hub:
    url: str  # the proxy: the Hub's public address
    token: str  # Datadive's service token
    admin_token: str  # the tests' own service token, to look behind the scenes
    homes: Path  # each Hub user's server folder: homes / <user name>
    log: Path
    datadive_port: int  # where the Hub's authenticator finds Datadive (on `localhost`)

    def settings(self) -> dict[str, Any]:
        """What `Settings` needs to run on this Hub."""
        return {
            "execution_backend": "jupyterhub",
            "jupyterhub_url": self.url,
            "jupyterhub_api_token": self.token,
        }

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/hub/api/",
            headers={"Authorization": f"token {self.admin_token}"},
            timeout=30,
        )

    def server_pid(self, user: str) -> int:
        with self.admin() as admin:
            model = admin.get(f"users/{user}").raise_for_status().json()
        pid: int = model["servers"][""]["state"]["pid"]
        return pid

    def stop_servers(self) -> None:
        """Stop every server (a test's projects end with it; the Hub's culler would later)."""
        with self.admin() as admin:
            for user in admin.get("users").raise_for_status().json():
                if user.get("servers"):
                    admin.delete(f"users/{user['name']}/server")


def proxy_command() -> str | None:
    """configurable-http-proxy, installed from npm into the test cache on first use; None when
    neither it nor npm is here."""
    found = os.environ.get("DATADIVE_TEST_PROXY")
    if found:
        return found
    command = PROXY_FOLDER / "node_modules" / ".bin" / "configurable-http-proxy"
    npm = shutil.which("npm")
    if command.exists() or npm is None:
        return str(command) if command.exists() else None
    PROXY_FOLDER.mkdir(parents=True, exist_ok=True)
    with (PROXY_FOLDER / ".lock").open("w") as lock:  # one install for all test workers
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not command.exists():
            subprocess.run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(PROXY_FOLDER),
                    PROXY_PACKAGE,
                ],
                check=True,
                capture_output=True,
            )
    return str(command)


def _without_datadive_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DATADIVE_")}


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/hub/api/", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise RuntimeError(f"JupyterHub did not start:\n{tail}")


@contextmanager
def running_hub(
    root: Path,
    *,
    proxy: str,
    spawn_limit: int = 0,
    start_delay: float = 0.0,
    start_timeout: float = 60.0,
) -> Iterator[Hub]:
    """A Hub on free ports whose servers live under `root`; stopped, servers and proxy with
    it, at the end."""
    root.mkdir(parents=True, exist_ok=True)
    homes = root / "homes"
    port = free_port()
    token, admin_token = secrets.token_hex(32), secrets.token_hex(32)
    datadive_port = free_port()
    # The servers ask the Hub again a second after, so an ended share ends access within a
    # second (the shortest wait there is: 0 would mean "remember forever").
    server_args = [
        "--ZMQChannelsWebsocketConnection.limit_rate=False",
        "--HubOAuth.cache_max_age=1",
    ]
    if os.geteuid() == 0:  # CI runs as root; Jupyter refuses that unless told
        server_args.append("--allow-root")
    config = root / "jupyterhub_config.py"
    config.write_text(
        CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=proxy,
            proxy_token=secrets.token_hex(32),
            root=root,
            homes=homes,
            start_delay=start_delay,
            server_args=server_args,
            start_timeout=start_timeout,
            spawn_limit=spawn_limit,
            token=token,
            admin_token=admin_token,
            scopes=DATADIVE_SCOPES,
            user_scopes=USER_SCOPES,
            datadive_port=datadive_port,
        )
    )
    log = root / "hub.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=root,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_without_datadive_settings(),
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Hub(
            url=url,
            token=token,
            admin_token=admin_token,
            homes=homes,
            log=log,
            datadive_port=datadive_port,
        )
    finally:
        process.terminate()  # the Hub stops its servers and its proxy
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
