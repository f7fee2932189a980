"""How soon does the first result of a new project come back, with and without the warm pool?

Each sample is a new project with one notebook and a `1 + 1` cell, on the local backend
through the whole app: someone who may run cells opens the notebook's page, thinks for
a while (types the cell: here until the server started on opening answers, and `--think`
seconds more), presses Run (`POST /cells/{id}/execute?wait=`); timed from Run to the answer.
The project's server is stopped, untimed, after each sample.

- without the pool (`DATADIVE_WARM_POOL=0`, as before): the run starts the server and a kernel;
- with the pool (`DATADIVE_WARM_POOL=1`): opening the page starts the server, which keeps a
  kernel started; Run pressed once the server is up (and `--think` s), and at once;
- its halves alone: the server started early without a kernel pool (the server is started
  when the page opens, `DATADIVE_WARM_POOL=0`), and a kernel pool without the early start
  (the page is not opened: the run starts the server);
- baseline: starting `jupyter server` by hand, a kernel on it, and `1 + 1` there (as in
  `execution_overhead.py`; never sandboxed).

The JupyterHub backend is not built yet; its variant (the hub's spawn started on the same
signal, `ExecutionBackend.warm_up_soon`) is to be added here with it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from bench.execution_overhead import cell, cold_by_hand, make_project, run_cell
from bench.timing import Samples
from datadive.app import create_app
from datadive.config import Settings
from datadive.execution.local import LocalBackend
from datadive.startup import ensure_data_dir, prepare_database


@dataclass
class App:
    app: FastAPI
    backend: LocalBackend
    samples: int = 0


@asynccontextmanager
async def running_app(folder: Path, *, warm_pool: int, sandbox: str) -> AsyncIterator[App]:
    settings = Settings(
        _env_file=None,
        data_dir=folder / "data",
        warm_pool=warm_pool,
        sandbox=sandbox,
    )
    app = create_app(settings)
    ensure_data_dir(settings)
    await prepare_database(app.state.database, upgrade_embedded=True)
    async with app.router.lifespan_context(app):
        yield App(app, app.state.backend)


async def first_result(
    app: App, *, open_page: bool, start_server: bool, think: float | None
) -> tuple[float, bool]:
    """Seconds from Run to the answer in a new project; and whether its kernel was pooled.
    `think`: None, Run at once; else once the server started on opening answers, and `think`
    seconds more."""
    app.samples += 1
    cookie, notebook_id = await make_project(app.app, f"u{app.samples}")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.app),
        base_url="http://localhost",
        headers={"Origin": "http://localhost"},
        cookies={"datadive_session": cookie},
    ) as client:
        cell_id = await cell(client, notebook_id, "1 + 1")
        project_id = (await client.get(f"/api/v1/notebooks/{notebook_id}")).json()["project_id"]
        early: asyncio.Task[object] | None = None
        if open_page:
            (await client.get(f"/notebooks/{notebook_id}")).raise_for_status()
        if start_server:  # the early start alone, without a kernel pool
            early = asyncio.create_task(app.backend.ensure_server(project_id))
        if think is not None:
            await app.backend.warm_starts.wait()
            if early is not None:
                await early
            await asyncio.sleep(think)
        start = time.perf_counter()
        await run_cell(client, cell_id)
        elapsed = time.perf_counter() - start
        if early is not None:
            await early
        pooled = await kernel_was_pooled(app, project_id)
    await app.backend.stop(project_id)
    return elapsed, pooled


async def kernel_was_pooled(app: App, project_id: str) -> bool:
    handle = await app.backend.ensure_server(project_id)
    headers = {"Authorization": f"token {handle.token}"}
    async with httpx.AsyncClient(base_url=handle.url, headers=headers) as http:
        kernels = (await http.get("/api/kernels")).json()
    return any(kernel.get("datadive_warm") for kernel in kernels)


def line(samples: Samples, baseline: Samples, note: str = "") -> str:
    ratio = samples.median / baseline.median
    return (
        f"  {samples.name:<46} median {samples.median * 1000:7.0f} ms   "
        f"min {min(samples.seconds) * 1000:6.0f} ms   ratio {ratio:5.2f}{note}"
    )


async def main(rounds: int, think: float, sandbox: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        async with (
            running_app(root / "plain", warm_pool=0, sandbox=sandbox) as plain,
            running_app(root / "pooled", warm_pool=1, sandbox=sandbox) as pooled,
        ):
            scenarios: list[tuple[str, Callable[[], Awaitable[tuple[float, bool]]]]] = [
                (
                    "without the pool",
                    lambda: first_result(plain, open_page=True, start_server=False, think=think),
                ),
                (
                    f"with the pool, Run when the server is up + {think:g} s",
                    lambda: first_result(pooled, open_page=True, start_server=False, think=think),
                ),
                (
                    "with the pool, Run at once",
                    lambda: first_result(pooled, open_page=True, start_server=False, think=None),
                ),
                (
                    f"server started early only, Run when up + {think:g} s",
                    lambda: first_result(plain, open_page=True, start_server=True, think=think),
                ),
                (
                    "kernel pool only (no early start)",
                    lambda: first_result(pooled, open_page=False, start_server=False, think=None),
                ),
            ]
            by_hand_seconds: list[float] = []
            seconds: dict[str, list[float]] = {name: [] for name, _ in scenarios}
            pooled_kernels: dict[str, int] = {name: 0 for name, _ in scenarios}
            await first_result(plain, open_page=False, start_server=False, think=None)  # warm-up
            for _ in range(rounds):  # interleaved: machine noise hits every one alike
                by_hand_seconds.append(await cold_by_hand(root))
                for name, sample in scenarios:
                    elapsed, was_pooled = await sample()
                    seconds[name].append(elapsed)
                    pooled_kernels[name] += was_pooled
        baseline = Samples("by hand: jupyter server + kernel + 1 + 1", by_hand_seconds)
        without = Samples("without the pool", seconds["without the pool"])
        print(
            f"first result in a new project, {rounds} rounds, sandbox={sandbox} "
            "(ratio: against starting jupyter server and a kernel by hand)"
        )
        print(line(baseline, baseline))
        for name, _ in scenarios:
            samples = Samples(name, seconds[name])
            note = f"   vs without the pool {samples.median / without.median:4.2f}"
            note += f"   kernel pooled {pooled_kernels[name]}/{rounds}"
            print(line(samples, baseline, note))
        spread = statistics.pstdev(by_hand_seconds) * 1000
        print(f"  (by hand: spread {spread:.0f} ms; without the pool is as Datadive was before)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--think", type=float, default=3.0, help="seconds between the server's start and Run"
    )
    parser.add_argument("--sandbox", choices=["auto", "off"], default="auto")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.think, arguments.sandbox))
