"""Running notebooks through the API on a real Jupyter server and kernel."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from datetime import timedelta
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from scipy import stats

from datadive.app import create_app
from datadive.config import Settings
from datadive.db.models import Cell, Run, UserSession
from datadive.db.types import utcnow
from tests.support.cells import add_cell, add_template_cell, run_code
from tests.support.hub import ON_BOTH_BACKENDS, ProjectFolder
from tests.support.world import World, build_world

pytestmark = [pytest.mark.slow, ON_BOTH_BACKENDS]
FIXTURE = Path(__file__).parents[2] / "fixtures" / "wellbeing.csv"


@pytest.fixture
async def world(app: FastAPI, project_folder: ProjectFolder) -> World:
    built = await build_world(app, tokens=True)
    async with built.editor.client(app) as editor:
        await editor.delete(f"/api/v1/cells/{built.cell_id}")
    data = project_folder(built.project_id) / "data"
    data.mkdir(parents=True)
    shutil.copy(FIXTURE, data / "wellbeing.csv")
    return built


async def test_load_filter_ttest_histogram_gives_the_numbers_scipy_gives(
    app: FastAPI, world: World, via: str, project_folder: ProjectFolder
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        await add_template_cell(editor, nb, "load-csv", file="data/wellbeing.csv", target="survey")
        await add_template_cell(
            editor,
            nb,
            "filter-rows",
            data="survey",
            column="age",
            operator=">=",
            value="30",
            target="older",
        )
        ttest = await add_template_cell(
            editor, nb, "t-test-independent", data="older", outcome="wellbeing 1", group="group"
        )
        plot = await add_template_cell(editor, nb, "histogram", data="older", column="wellbeing 1")
        await add_cell(
            editor,
            nb,
            "code",
            "t, p = ttest_result.values['statistic'], ttest_result.values['p']\n"
            "print(repr(float(t)), repr(float(p)))",
        )

        response = await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})

    assert response.status_code == 200, response.text
    run = response.json()
    assert run["status"] == "ok", run
    cells = {cell["id"]: cell for cell in run["cells"]}
    frame = pd.read_csv(FIXTURE)
    older = frame[frame["age"] >= 30]
    expected = stats.ttest_ind(
        older.loc[older["group"] == "control", "wellbeing 1"],
        older.loc[older["group"] == "treatment", "wellbeing 1"],
        equal_var=False,
    )
    assert f"{len(older)} of 60 rows kept" in run["cells"][1]["outputs"][0]["text"]
    printed = run["cells"][-1]["outputs"][0]["text"].split()
    assert float(printed[0]) == pytest.approx(expected.statistic, rel=1e-12)
    assert float(printed[1]) == pytest.approx(expected.pvalue, rel=1e-12)
    assert "Welch" in str(cells[ttest["id"]]["outputs"])
    # p is written as APA asks (here p < .001, never a bare 0.0), in the table and write-up.
    assert expected.pvalue < 0.001
    assert "<td>&lt; .001</td>" in str(cells[ttest["id"]]["outputs"])
    assert "t(43.35) = −3.86, p < .001" in str(cells[ttest["id"]]["outputs"])
    assert any("image/png" in o.get("data", {}) for o in cells[plot["id"]]["outputs"])
    assert all(cell["execution_count"] for cell in run["cells"])
    written = project_folder(world.project_id) / "analysis.ipynb"
    notebook = None
    for _ in range(100):  # written a moment after the run is reported finished
        # On JupyterHub the server writes it (the contents API writes in place, so a read
        # can land in the middle of the write: read again).
        with contextlib.suppress(nbformat.reader.NotJSONError):
            notebook = nbformat.read(written, as_version=4) if written.exists() else None
        if notebook is not None and all(c.get("outputs") for c in notebook.cells):
            break
        await asyncio.sleep(0.1)
    assert notebook is not None
    nbformat.validate(notebook)
    assert len(notebook.cells) == 5
    assert notebook.cells[3].outputs


async def test_runs_in_a_row_answer_at_once_with_a_session_or_an_api_token(
    app: FastAPI, world: World, via: str
) -> None:
    """A script's token (whose first use is recorded) runs like a browser session, and a
    finished run never blocks the next, of a cell or of the notebook."""
    nb = world.notebook_id
    async with world.owner.client(app) as owner:
        cell = await add_cell(owner, nb, "code", "n = globals().get('n', 0) + 1\nn")
    # The first request of this token or session is a run, and it is recorded: the token's
    # first use, the session's renewal (it is in the second half of its idle period).
    async with app.state.database.transaction() as session:
        await session.execute(
            sa.update(UserSession)
            .where(UserSession.user_id == world.editor.user_id)
            .values(idle_expires_at=utcnow() + timedelta(minutes=5))
        )
    async with world.editor.client(app, via) as editor:
        answers = []
        for turn in range(10):
            path = (
                f"/api/v1/cells/{cell['id']}/execute"
                if turn % 2
                else f"/api/v1/notebooks/{nb}/execute"
            )
            answers.append(await editor.post(path, params={"wait": 60}))

    assert [answer.status_code for answer in answers] == [200] * 10, answers[0].text
    if via == "session":
        assert "datadive_session" in answers[0].headers.get("set-cookie", "")
    counted = [a.json()["cells"][-1]["outputs"][0]["data"]["text/plain"] for a in answers]
    assert counted == [str(n) for n in range(1, 11)]


async def test_an_error_stops_the_rest_of_a_run(app: FastAPI, world: World, via: str) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        first = await add_cell(editor, nb, "code", "a = 1")
        failing = await add_cell(editor, nb, "code", "print('partial')\n1 / 0")
        later = await add_cell(editor, nb, "code", "b = 2")
        run = (await editor.post(f"/api/v1/notebooks/{nb}/execute", params={"wait": 120})).json()
        again = (
            await editor.post(f"/api/v1/cells/{first['id']}/execute", params={"wait": 60})
        ).json()

    assert run["status"] == "error"
    assert run["error"].startswith("Stopped at cell 2: ZeroDivisionError")
    statuses = {cell["id"]: cell["status"] for cell in run["cells"]}
    assert statuses == {first["id"]: "ok", failing["id"]: "error", later["id"]: "idle"}
    failed = next(cell for cell in run["cells"] if cell["id"] == failing["id"])
    assert failed["outputs"][0]["text"] == "partial\n"
    assert again["status"] == "ok"


async def test_a_failing_cell_run_says_where_it_stopped(
    app: FastAPI, world: World, via: str
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor:
        await add_cell(editor, nb, "code", "x = 1")
        failing = await add_cell(editor, nb, "code", "print('before')\nraise ValueError('bad')")
        run = (
            await editor.post(f"/api/v1/cells/{failing['id']}/execute", params={"wait": 60})
        ).json()

    assert run["status"] == "error"
    assert run["error"] == "Stopped at cell 2: ValueError: bad"
    [cell] = run["cells"]
    assert (cell["id"], cell["status"]) == (failing["id"], "error")
    assert cell["outputs"][0]["text"] == "before\n"


async def test_every_waiting_request_gets_the_run_as_stored(
    app: FastAPI, world: World, via: str
) -> None:
    nb = world.notebook_id
    async with world.editor.client(app, via) as editor, world.viewer.client(app) as viewer:
        cell = await add_cell(editor, nb, "code", "import time\ntime.sleep(0.5)\nprint('done')")
        queued = await editor.post(f"/api/v1/cells/{cell['id']}/execute")
        run_id = queued.json()["id"]
        waited = await asyncio.gather(
            editor.get(f"/api/v1/runs/{run_id}", params={"wait": 60}),
            viewer.get(f"/api/v1/runs/{run_id}", params={"wait": 60}),
        )
        stored = [(await editor.get(f"/api/v1/runs/{run_id}")).json()]
        again = await editor.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 60})
        stored.append((await editor.get(f"/api/v1/runs/{again.json()['id']}")).json())

    assert queued.status_code == 202
    assert [response.status_code for response in waited] == [200, 200]
    assert waited[0].json() == waited[1].json() == stored[0]
    assert stored[0]["cells"][0]["outputs"][0]["text"] == "done\n"
    assert again.status_code == 200
    assert again.json() == stored[1]
    assert stored[1]["cells"][0]["execution_count"] == 2


async def test_a_run_goes_on_without_the_client(app: FastAPI, world: World, via: str) -> None:
    async with world.editor.client(app, via) as editor:
        cell = await add_cell(
            editor, world.notebook_id, "code", "import time\ntime.sleep(1)\n'done'"
        )
        queued = await editor.post(f"/api/v1/cells/{cell['id']}/execute")
        busy = await editor.post(f"/api/v1/notebooks/{world.notebook_id}/execute")
    assert queued.status_code == 202
    assert queued.json()["status"] in {"queued", "starting", "running"}
    assert busy.status_code == 409

    async with world.viewer.client(app) as viewer:
        finished = await viewer.get(f"/api/v1/runs/{queued.json()['id']}", params={"wait": 90})
        server = (await viewer.get(f"/api/v1/projects/{world.project_id}/server")).json()

    assert finished.status_code == 200
    assert finished.json()["cells"][0]["outputs"][0]["data"]["text/plain"] == "'done'"
    assert server["running"] is True


async def test_two_run_requests_at_the_same_moment_start_one_run(
    app: FastAPI, world: World, via: str
) -> None:
    count_runs = (
        sa.select(sa.func.count()).select_from(Run).where(Run.notebook_id == world.notebook_id)
    )
    async with app.state.database.new_session() as session:
        before = await session.scalar(count_runs)
    async with world.editor.client(app, via) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", "1 + 1")
        answers = await asyncio.gather(
            *(
                editor.post(f"/api/v1/cells/{cell['id']}/execute"),
                editor.post(f"/api/v1/notebooks/{world.notebook_id}/execute"),
                editor.post(f"/api/v1/cells/{cell['id']}/execute"),
            )
        )
        codes = sorted(answer.status_code for answer in answers)
        accepted = next(answer.json() for answer in answers if answer.status_code == 202)
        finished = await editor.get(f"/api/v1/runs/{accepted['id']}", params={"wait": 90})

    assert codes == [202, 409, 409]
    refused = next(answer.json() for answer in answers if answer.status_code == 409)
    assert "already running" in refused["detail"]
    assert finished.json()["status"] == "ok"
    async with app.state.database.new_session() as session:
        after = await session.scalar(count_runs)
    assert after == before + 1


async def test_runs_a_stopped_datadive_left_behind_end_as_errors(
    app: FastAPI, world: World, settings: Settings
) -> None:
    async with app.state.database.transaction() as session:
        run = Run(notebook_id=world.notebook_id, scope="all", status="running")
        session.add(run)
        await session.flush()
        run_id = run.id
        session.add(
            Cell(
                notebook_id=world.notebook_id,
                position="z",
                kind="code",
                source="x",
                status="running",
                outputs=[{"output_type": "stream", "name": "stdout", "text": "kept"}],
            )
        )

    restarted = create_app(settings)
    async with (
        restarted.router.lifespan_context(restarted),
        restarted.state.database.new_session() as session,
    ):
        run_after = await session.get(Run, run_id)
        cell = (await session.scalars(sa.select(Cell).where(Cell.source == "x"))).one()

    assert run_after is not None
    assert run_after.status == "error"
    assert "Datadive stopped" in (run_after.error or "")
    assert cell.status == "idle"
    assert cell.outputs[0]["text"] == "kept"


async def test_interrupt_and_restart_through_the_api(app: FastAPI, world: World, via: str) -> None:
    kernel = f"/api/v1/projects/{world.project_id}/kernel"
    body = {"notebook_id": world.notebook_id}
    async with world.editor.client(app, via) as editor:
        nothing = (await editor.post(f"{kernel}/interrupt", json=body)).json()
        setup = await add_cell(editor, world.notebook_id, "code", "x = 1")
        loop = await add_cell(editor, world.notebook_id, "code", "while True:\n    pass")
        run = (await editor.post(f"/api/v1/notebooks/{world.notebook_id}/execute")).json()
        for _ in range(300):
            cells = (await editor.get(f"/api/v1/runs/{run['id']}")).json()["cells"]
            if cells[1]["status"] == "running":
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)

        interrupted = (await editor.post(f"{kernel}/interrupt", json=body)).json()
        finished = (await editor.get(f"/api/v1/runs/{run['id']}", params={"wait": 60})).json()
        restarted = (await editor.post(f"{kernel}/restart", json=body)).json()
        check = await add_cell(editor, world.notebook_id, "code", "'x' in globals()")
        after = (
            await editor.post(f"/api/v1/cells/{check['id']}/execute", params={"wait": 60})
        ).json()
        foreign = await editor.post(f"{kernel}/restart", json={"notebook_id": "nope"})

    assert nothing["done"] is False
    assert interrupted["done"] is True
    assert finished["status"] == "error"
    assert finished["error"] == "Interrupted at cell 2."
    statuses = {c["id"]: c["status"] for c in finished["cells"]}
    assert statuses[setup["id"]] == "ok"
    assert statuses[loop["id"]] == "error"
    assert restarted["done"] is True
    assert after["cells"][0]["outputs"][0]["data"]["text/plain"] == "False"
    assert foreign.status_code == 422


async def test_a_deleted_notebooks_kernel_is_shut_down_not_handed_to_the_next(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        old = (await editor.get(f"/api/v1/notebooks/{world.notebook_id}")).json()
        await run_code(editor, world.notebook_id, "secret = 1")
        deleted = await editor.delete(f"/api/v1/notebooks/{world.notebook_id}")
        new = (
            await editor.post(
                f"/api/v1/projects/{world.project_id}/notebooks", json={"title": old["title"]}
            )
        ).json()
        result = await run_code(editor, new["id"], "'secret' in globals()")

    assert deleted.status_code == 204
    assert new["path"] == old["path"]  # the same file, so Jupyter's session for it is asked
    assert result["outputs"][0]["data"]["text/plain"] == "False"
    assert result["execution_count"] == 1


async def test_deleting_a_project_stops_its_jupyter_server(app: FastAPI, world: World) -> None:
    async with world.owner.client(app) as owner:
        await run_code(owner, world.notebook_id, "1 + 1")
        before = await app.state.backend.status(world.project_id)
        deleted = await owner.delete(f"/api/v1/projects/{world.project_id}")

    assert before.running is True
    assert deleted.status_code == 204
    assert (await app.state.backend.status(world.project_id)).running is False


async def test_stopping_the_server_leaves_cells_not_run_since_restart(
    app: FastAPI, world: World
) -> None:
    async with world.editor.client(app) as editor:
        ran = await run_code(editor, world.notebook_id, "print('kept')")
        stopped = await editor.delete(f"/api/v1/projects/{world.project_id}/server")
        after = (await editor.get(f"/api/v1/cells/{ran['id']}")).json()

    assert stopped.status_code == 204
    assert (after["status"], after["status_reason"]) == ("idle", "restart")
    assert after["outputs"][0]["text"] == "kept\n"


async def test_a_request_waiting_for_a_run_holds_no_database_connection(
    app: FastAPI, world: World
) -> None:
    """Waiting requests kept their transaction, and so a connection, for as long as the run
    went on: forty users waiting for their cells at once used up PostgreSQL's pool, and every
    other request then waited for a connection (bench/load.py)."""
    pool = app.state.database.engine.pool
    async with world.editor.client(app) as editor:
        cell = await add_cell(editor, world.notebook_id, "code", "import time\ntime.sleep(3)")
        await run_code(editor, world.notebook_id, "1 + 1")  # the kernel is up before we look
        waiting = asyncio.ensure_future(
            editor.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 60})
        )
        held = []
        for _ in range(20):
            await asyncio.sleep(0.1)
            held.append(pool.checkedout())
        answer = await waiting

    assert answer.status_code == 200
    # A second in, the request is surely waiting: between its polls it holds no connection.
    assert min(held[10:]) == 0
