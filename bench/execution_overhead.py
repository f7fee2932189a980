"""What does Datadive add to running a cell?

Warm: for `1+1` and for a cell printing 10,000 lines, Datadive's execute-and-wait round trip
(`POST /cells/{id}/execute?wait=`, through the whole app, outputs stored in SQLite) against a
direct execute on the same kernel with jupyter_client over ZeroMQ; then Datadive's kernel client
alone (`JupyterClient.execute` over the kernel websocket, in the framing the server chose and in
the JSON protocol) against the same baseline, to tell the client's share from the app's.
Between samples, untimed, the app finishes what it does after answering (writing the .ipynb)
and the direct client reads the kernel messages of the other samples, so neither lands in the
next sample.
Cold: the first run of a new project (Jupyter server start, kernel start, execute) against
starting `jupyter server` and a kernel by hand and executing there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.paths import jupyter_runtime_dir

from bench.timing import Samples, compare, report
from datadive.app import create_app
from datadive.auth.permissions import Role
from datadive.config import Settings
from datadive.db.models import Notebook, Project, ProjectMember, User
from datadive.execution.client import JupyterClient
from datadive.services.identity import sessions
from datadive.startup import ensure_data_dir, prepare_database

PRINT_10K = "for i in range(10_000):\n    print(i)"


async def direct_execute(client: AsyncKernelClient, code: str) -> None:
    msg_id = client.execute(code)
    while True:
        message = await client.get_iopub_msg(timeout=60)
        if (
            message["parent_header"].get("msg_id") == msg_id
            and message["msg_type"] == "status"
            and message["content"]["execution_state"] == "idle"
        ):
            return


async def drain(client: AsyncKernelClient) -> None:
    """Read the iopub messages other clients' executions left queued (every client sees all)."""
    while await client.iopub_channel.msg_ready():
        await client.get_iopub_msg(timeout=1)


async def make_project(app: object, name: str) -> tuple[str, str]:
    """A user with a session and a project with one notebook; (cookie, notebook id)."""
    database = app.state.database  # type: ignore[attr-defined]
    async with database.transaction() as session:
        user = User(
            username=name, email=f"{name}@example.org", password_hash="unused", email_verified=True
        )
        session.add(user)
        await session.flush()
        new = await sessions.start_session(session, user_id=user.id, policy=app.state.auth_policy)  # type: ignore[attr-defined]
        project = Project(title=name, owner_id=user.id)
        session.add(project)
        await session.flush()
        session.add(ProjectMember(project_id=project.id, user_id=user.id, role=Role.OWNER))
        notebook = Notebook(project_id=project.id, title="Bench", path="bench.ipynb")
        session.add(notebook)
        await session.flush()
        return str(new.token), notebook.id


async def cell(client: httpx.AsyncClient, notebook_id: str, source: str) -> str:
    response = await client.post(
        f"/api/v1/notebooks/{notebook_id}/cells", json={"kind": "code", "source": source}
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def run_cell(client: httpx.AsyncClient, cell_id: str) -> None:
    response = await client.post(f"/api/v1/cells/{cell_id}/execute", params={"wait": 120})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok", response.text


async def cold_by_hand(folder: Path) -> float:
    """`jupyter server` started by hand, a kernel through its API, `1 + 1` over ZeroMQ."""
    start = time.perf_counter()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_urlsafe(16)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "jupyter_server",
        f"--ServerApp.port={port}",
        f"--ServerApp.root_dir={folder}",
        "--ServerApp.open_browser=False",
        *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
        env=os.environ | {"JUPYTER_TOKEN": token},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        headers = {"Authorization": f"token {token}"}
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            while True:
                try:
                    if (await http.get("/api/status")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            kernel = (await http.post("/api/kernels", json={"name": "python3"})).json()
        connection = Path(jupyter_runtime_dir()) / f"kernel-{kernel['id']}.json"
        client = AsyncKernelClient(connection_file=str(connection))
        client.load_connection_file()
        client.start_channels()
        # On a loaded machine the heartbeat can miss while the kernel starts: ask again.
        for _ in range(10):
            try:
                await client.wait_for_ready(timeout=60)
                break
            except RuntimeError:
                await asyncio.sleep(0.1)
        await direct_execute(client, "1 + 1")
        elapsed = time.perf_counter() - start
        client.stop_channels()
    finally:
        process.terminate()
        await process.wait()
    return elapsed


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, data_dir=Path(folder) / "data")
        app = create_app(settings)
        ensure_data_dir(settings)
        await prepare_database(app.state.database, upgrade_embedded=True)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            cookie, notebook_id = await make_project(app, "warm")
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://localhost",
                headers={"Origin": "http://localhost"},
                cookies={"datadive_session": cookie},
            ) as client:
                cold_cell = await cell(client, notebook_id, "1 + 1")
                start = time.perf_counter()
                await run_cell(client, cold_cell)
                cold_datadive = time.perf_counter() - start

                executor = app.state.executor
                jupyter = next(iter(executor.clients.values()))
                kernel = await jupyter.find_session(path="bench.ipynb")
                direct = AsyncKernelClient(
                    connection_file=str(
                        Path(jupyter_runtime_dir()) / f"kernel-{kernel.kernel_id}.json"
                    )
                )
                direct.load_connection_file()
                direct.start_channels()
                await direct.wait_for_ready(timeout=60)

                json_client = JupyterClient(jupyter.handle, kernel_protocol="json")
                negotiated = await jupyter.wire_protocol(kernel.kernel_id)
                print(f"kernel websocket framing chosen by the server: {negotiated or 'JSON'}")

                async def settle() -> None:
                    await asyncio.gather(*executor.tasks)
                    await asyncio.gather(*app.state.executor.notebook_files.pending.values())
                    await drain(direct)

                for label, code in (("1 + 1", "1 + 1"), ("print 10,000 lines", PRINT_10K)):
                    cell_id = await cell(client, notebook_id, code)

                    async def through_datadive(cell_id: str = cell_id) -> object:
                        await run_cell(client, cell_id)
                        return None

                    async def on_the_kernel(code: str = code) -> object:
                        await direct_execute(direct, code)
                        return None

                    baseline, subject = await compare(
                        on_the_kernel, through_datadive, rounds=rounds, warmup=5, settle=settle
                    )
                    report(
                        f"warm: {label}, {rounds} rounds (baseline: jupyter_client over ZeroMQ)",
                        baseline,
                        subject,
                    )
                    overhead = (subject.median - baseline.median) * 1000
                    print(f"  overhead at the median: {overhead:.2f} ms")
                    for name, kernel_client in (
                        (negotiated or "JSON", jupyter),
                        ("JSON", json_client),
                    ):

                        async def client_alone(
                            code: str = code, kernel_client: JupyterClient = kernel_client
                        ) -> object:
                            result = await kernel_client.execute(kernel.kernel_id, code)
                            assert result.status == "ok", result
                            return None

                        baseline, subject = await compare(
                            on_the_kernel, client_alone, rounds=rounds, warmup=5, settle=settle
                        )
                        report(
                            f"  client alone: JupyterClient.execute, {name} framing",
                            baseline,
                            subject,
                        )
                await json_client.close()
                direct.stop_channels()
        cold_hand = await cold_by_hand(Path(folder))
        report(
            "cold: first run of a project (baseline: jupyter server + kernel started by hand)",
            Samples("baseline", [cold_hand, cold_hand]),
            Samples("subject", [cold_datadive, cold_datadive]),
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    asyncio.run(main(parser.parse_args().rounds))
