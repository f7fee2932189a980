"""Runs live in the database: a process keeps a heartbeat on the runs it carries out, and any
process ends the runs of a process that is gone (SECURITY.md check 26, the Datadive half)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.app import create_app
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.models import Cell, Run
from datadive.db.types import utcnow
from datadive.services.running import runs
from tests.support.cells import add_cell
from tests.support.world import World, build_world

HEARTBEAT = 0.2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"run_heartbeat_seconds": HEARTBEAT})


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app, tokens=True)


def dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert finished.returncode == 0
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


async def add_running_run(app: FastAPI, world: World, *, worker: str, beat_ago: float) -> str:
    async with app.state.database.transaction() as session:
        run = Run(
            notebook_id=world.notebook_id,
            scope="cell",
            cell_id=world.cell_id,
            status="running",
            worker_id=worker,
            heartbeat_at=utcnow() - timedelta(seconds=beat_ago),
        )
        session.add(run)
        await session.execute(
            sa.update(Cell).where(Cell.id == world.cell_id).values(status="running")
        )
        await session.flush()
        return run.id


class BeatingElsewhere:
    """Another Datadive process's heartbeat on a run, from a thread of its own."""

    def __init__(self, database_url: str, run_id: str) -> None:
        self.database_url, self.run_id = database_url, run_id
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._beat(),), daemon=True)
        self.thread.start()

    async def _beat(self) -> None:
        database = Database(self.database_url)
        try:
            while not self.stopping.is_set():
                async with database.transaction() as session:
                    await runs.beat(session, run_ids=[self.run_id])
                await asyncio.sleep(HEARTBEAT / 4)
        finally:
            await database.dispose()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


async def run_status(app: FastAPI, run_id: str) -> tuple[str, str | None]:
    async with app.state.database.new_session() as session:
        run = await session.get(Run, run_id)
        assert run is not None
        return run.status, run.error


async def test_a_run_of_a_live_process_elsewhere_is_left_alone_until_it_falls_silent(
    app: FastAPI, world: World, settings: Settings
) -> None:
    run_id = await add_running_run(app, world, worker="other-host:4242:abcd", beat_ago=0)
    # The process on the other host, alive: its own thread, loop and connections, so that it
    # keeps beating while this loop is held up (building the app below takes a while).
    elsewhere = BeatingElsewhere(settings.resolved_database_url, run_id)
    # It judges silence by three of its own heartbeats (1.5 s): a margin for a busy machine.
    other = create_app(settings.model_copy(update={"run_heartbeat_seconds": 0.5}))
    async with other.router.lifespan_context(other):
        await asyncio.sleep(1.5)  # its watch goes round three times
        assert await run_status(app, run_id) == ("running", None)
        await asyncio.to_thread(elsewhere.stop)
        for _ in range(100):  # it stops beating: three heartbeats later it is over
            if (await run_status(app, run_id))[0] != "running":
                break
            await asyncio.sleep(HEARTBEAT)
    status, error = await run_status(app, run_id)
    assert status == "error"
    assert "Datadive stopped" in (error or "")
    async with app.state.database.new_session() as session:
        cell = await session.get(Cell, world.cell_id)
    assert cell is not None
    assert cell.status == "idle"


async def test_a_run_whose_process_is_gone_from_this_machine_ends_at_once(
    app: FastAPI, world: World, settings: Settings
) -> None:
    worker = f"{socket.gethostname()}:{dead_pid()}:abcd"
    run_id = await add_running_run(app, world, worker=worker, beat_ago=0)
    other = create_app(settings.model_copy(update={"run_heartbeat_seconds": 300}))
    async with other.router.lifespan_context(other):
        status, error = await run_status(other, run_id)
    assert status == "error"
    assert "Datadive stopped" in (error or "")


@pytest.mark.slow
async def test_a_long_run_keeps_its_heartbeat_and_survives_another_process_starting(
    app: FastAPI, world: World, settings: Settings, via: str
) -> None:
    async with world.editor.client(app, via) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", "import time\ntime.sleep(6)")
        run = (await editor.post(f"/api/v1/cells/{cell['id']}/execute")).json()
        for _ in range(300):  # the server starts (seconds on a busy machine), the cell runs
            if (await run_status(app, run["id"]))[0] == "running":
                break
            await asyncio.sleep(0.05)
        # Its own data folder: in one test process both apps have the same pid, and the
        # second would take the first one's Jupyter server for a crashed process's.
        # It judges silence by its own, slower heartbeat (three of them: 3 s), so that a busy
        # test machine delaying the first app's beats does not look like a dead process.
        other = create_app(
            settings.model_copy(
                update={"data_dir": settings.data_dir / "b", "run_heartbeat_seconds": 1.0}
            )
        )
        async with other.router.lifespan_context(other):
            await asyncio.sleep(2.5)  # two of its watch rounds
            during = await run_status(other, run["id"])
            async with other.state.database.new_session() as session:
                beat = await session.scalar(sa.select(Run.heartbeat_at).where(Run.id == run["id"]))
            seen_at = utcnow()
        finished = (await editor.get(f"/api/v1/runs/{run['id']}", params={"wait": 60})).json()

    assert during == ("running", None)
    assert beat is not None
    assert seen_at - beat < timedelta(seconds=2)  # beating, well within the 3 s of silence
    assert finished["status"] == "ok"
