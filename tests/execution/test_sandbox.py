"""What a kernel of a sandboxed project server can reach (issue 17): not the database file, not
another project's workspace, not Datadive's process or its environment, and not the server's
API with a token taken before its reader lost access.

One real server and kernel for the module, laid out as Datadive lays out its data folder."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from datadive.execution.client import JupyterClient, KernelSession
from datadive.execution.local import LocalBackend
from tests.support.sandbox import required_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

PROJECT, OTHER = "project-a", "project-b"
MARKER = "only-in-datadive-s-environment"
SANDBOXED = ("bwrap", "jupyter_server", "ipykernel_launcher")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("sandbox") / "data"
    (data / "workspaces" / OTHER).mkdir(parents=True)
    (data / "workspaces" / OTHER / "survey.csv").write_text("name,income\nada,52000\n")
    with sqlite3.connect(data / "datadive.sqlite3") as database:
        database.execute("create table users (password_hash text)")
    return data


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def backend(data_dir: Path) -> AsyncIterator[LocalBackend]:
    os.environ["DATADIVE_TEST_SANDBOX_MARKER"] = MARKER  # Datadive's own environment only
    local = LocalBackend(
        workspaces=data_dir / "workspaces",
        state_dir=data_dir / "jupyter",
        idle_seconds=600,
        sandbox=required_sandbox(data_dir),
    )
    yield local
    await local.shutdown()
    del os.environ["DATADIVE_TEST_SANDBOX_MARKER"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(backend: LocalBackend) -> AsyncIterator[JupyterClient]:
    jupyter = JupyterClient(await backend.ensure_server(PROJECT))
    yield jupyter
    await jupyter.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kernel(client: JupyterClient) -> KernelSession:
    return await client.start_session(path="analysis.ipynb")


async def printed(client: JupyterClient, kernel: KernelSession, code: str) -> str:
    result = await client.execute(kernel.kernel_id, code)
    assert result.status == "ok", result.outputs
    return "".join(output.get("text", "") for output in result.outputs).strip()


TRY_TO_READ = """
try:
    with open({path!r}, "rb") as opened:
        print("read", len(opened.read()), "bytes")
except OSError as exc:
    print(type(exc).__name__)
"""


async def test_the_kernel_cannot_open_the_database_file(
    client: JupyterClient, kernel: KernelSession, data_dir: Path
) -> None:
    database = data_dir / "datadive.sqlite3"

    said = await printed(client, kernel, TRY_TO_READ.format(path=str(database)))

    assert said == "FileNotFoundError"
    assert database.stat().st_size > 0  # it is there, for Datadive


async def test_the_kernel_sees_its_workspace_but_no_other_project(
    client: JupyterClient, kernel: KernelSession, backend: LocalBackend
) -> None:
    (backend.workspace(PROJECT) / "mine.csv").write_text("a\n1\n")
    other = backend.workspace(OTHER) / "survey.csv"

    listed = await printed(
        client,
        kernel,
        f"import json, os\nprint(json.dumps([os.listdir({str(backend.workspaces)!r}), "
        "os.listdir('.')]))",
    )
    read = await printed(client, kernel, TRY_TO_READ.format(path=str(other)))
    written = await printed(client, kernel, "open('results.txt', 'w').write(42 * 'x')")

    workspaces, here = json.loads(listed)
    assert workspaces == [PROJECT]
    assert "mine.csv" in here
    assert read == "FileNotFoundError"
    assert written == ""
    assert (backend.workspace(PROJECT) / "results.txt").read_text() == 42 * "x"


FIND_DATADIVE = """
import os
seen, marked = [], []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        command = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
        environment = open(f"/proc/{pid}/environ", "rb").read()
    except OSError:
        continue
    seen.append(command)
    if MARKER.encode() in environment:
        marked.append(pid)
try:
    open(f"/proc/{DATADIVE_PID}/environ", "rb").read()
    direct = "read"
except OSError as exc:
    direct = type(exc).__name__
print(json.dumps({"seen": seen, "marked": marked, "direct": direct}))
"""


async def test_the_kernel_cannot_see_datadive_s_process_or_read_its_environment(
    client: JupyterClient, kernel: KernelSession
) -> None:
    code = f"import json\nMARKER = {MARKER!r}\nDATADIVE_PID = {os.getpid()}\n" + FIND_DATADIVE

    found = json.loads(await printed(client, kernel, code))

    assert found["marked"] == []
    assert found["direct"] == "FileNotFoundError"
    # Its own processes only: the sandbox's init, the server, this kernel.
    kinds = [
        next((kind for kind in SANDBOXED if kind in command), command) for command in found["seen"]
    ]
    assert sorted(set(kinds)) == sorted(SANDBOXED), kinds


TAKE_TOKEN = """
import os, urllib.request, urllib.error
STOLEN = os.environ["JUPYTER_TOKEN"]

def with_stolen_token():
    request = urllib.request.Request(
        "{url}/api/contents", headers={{"Authorization": "token " + STOLEN}}
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code
print(with_stolen_token())
"""


async def test_a_token_taken_before_a_member_lost_access_opens_nothing(
    client: JupyterClient, kernel: KernelSession, backend: LocalBackend
) -> None:
    before = backend.servers[PROJECT].handle
    taken = await printed(client, kernel, TAKE_TOKEN.format(url=before.url))

    await backend.revoke(PROJECT, user_id="u-removed")
    after = await backend.ensure_server(PROJECT)
    client.use_handle(after)
    again = await printed(client, kernel, "print(with_stolen_token())")

    assert taken == "200"  # the kernel could use the token before
    assert again == "403"
    assert after.same_server(before)
    assert after.token != before.token
    # The server and this kernel (the other members' work) go on, with Datadive's new token.
    assert await printed(client, kernel, "print(STOLEN == os.environ['JUPYTER_TOKEN'])") == "True"
    assert await client.find_session(path="analysis.ipynb") is not None
