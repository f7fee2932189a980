"""Many simulated users against one Datadive on PostgreSQL (issue 17).

Starts its own `datadive serve` (a PostgreSQL database it creates and drops, a data folder of
its own), makes the users, warms every notebook's kernel up once (their cold starts are
reported apart), then lets every user visit again and again for `--minutes`: sign in, open the
notebook, edit the cell, run it and wait for the result, read the notebook's events, with think
times (`bench/load_users.py`). Prints the requests, the errors (the first few with endpoint and
body) and p50/p99 of API reads, edits and cell round trips (execute → finished).

Then the throughput of an authenticated `GET /api/v1/projects` against a bare FastAPI route
with the same JSON, served by uvicorn the same way, in the same run (`bench/load_throughput.py`).

Projects: `--members` users share a project (10 by default), each with a notebook of their
own. Every project runs one Jupyter server and every notebook one kernel, so 100 users make 10
servers and 100 kernels (about 5 GB): one project each would mean 100 Jupyter servers on two
cores, and one notebook for all would make the users' runs wait for each other in one kernel.

    python -m bench.load --quick          # 20 users for a minute
    python -m bench.load                  # 100 users for 10 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
from pathlib import Path

from tests.support.databases import postgres_admin_url

from bench.load_server import (
    Served,
    postgres_backends,
    postgres_database,
    serve_bare_app,
    serve_datadive,
)
from bench.load_throughput import Target, compare_throughput, cpu_seconds
from bench.load_users import KINDS, Recorder, Visitor, summary_line
from bench.load_world import World, build_world, new_client, sign_in

THINK_SECONDS = (1.0, 5.0)
RUNS_PER_VISIT = 5
WARM_UP_AT_ONCE = 10  # kernels started together on the first runs


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--members", type=int, default=10, help="Users per project.")
    parser.add_argument(
        "--postgres-url",
        default=postgres_admin_url(),
        help="A PostgreSQL database to connect to for creating and dropping the bench's own "
        "(default: DATADIVE_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/postgres).",
    )
    parser.add_argument("--quick", action="store_true", help="20 users for one minute.")
    parser.add_argument("--clients", type=int, default=10, help="Throughput: connections.")
    parser.add_argument("--throughput-seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    if args.quick:
        args.users, args.minutes = 20, 1.0
    if args.users < 1 or args.members < 1 or args.minutes <= 0:
        parser.error("--users, --members and --minutes must be positive")
    return args


def visitors(
    world: World, base_url: str, recorder: Recorder, rng: random.Random, *, warm_up: bool
) -> list[Visitor]:
    return [
        Visitor(
            user=user,
            base_url=base_url,
            recorder=recorder,
            rng=random.Random(rng.random()),  # noqa: S311 - think times, not secrets
            think_seconds=(0.0, 0.0) if warm_up else THINK_SECONDS,
            runs_per_visit=1 if warm_up else RUNS_PER_VISIT,
        )
        for user in world.users
    ]


async def warm_up(world: World, base_url: str, rng: random.Random) -> Recorder:
    """One visit with one run per user, a few at a time: every kernel starts here."""
    recorder = Recorder()
    limit = asyncio.Semaphore(WARM_UP_AT_ONCE)

    async def one(visitor: Visitor) -> None:
        async with limit, new_client(base_url, timeout=300) as client:
            await visitor.visit(client, deadline=time.monotonic() + 3600)

    await asyncio.gather(*(one(v) for v in visitors(world, base_url, recorder, rng, warm_up=True)))
    return recorder


async def load(world: World, base_url: str, rng: random.Random, minutes: float) -> Recorder:
    recorder = Recorder()
    deadline = time.monotonic() + minutes * 60
    crowd = visitors(world, base_url, recorder, rng, warm_up=False)

    async def staggered(number: int, visitor: Visitor) -> None:
        # Arrivals spread over the first think time, not all in the same millisecond.
        await asyncio.sleep(THINK_SECONDS[1] * number / len(crowd))
        await visitor.visits(deadline)

    await asyncio.gather(*(staggered(n, v) for n, v in enumerate(crowd)))
    return recorder


def report(title: str, recorder: Recorder, seconds: float) -> None:
    print(
        f"\n{title}: {recorder.requests} requests in {seconds:.0f} s "
        f"({recorder.requests / seconds:.1f}/s), {recorder.runs} cell runs, "
        f"{recorder.errors} errors"
    )
    for kind in KINDS:
        print(summary_line(kind, recorder.seconds[kind]))
    print("  by endpoint:")
    for endpoint, values in sorted(recorder.by_endpoint.items()):
        print("  " + summary_line(endpoint, values))
    for shown in recorder.shown:
        print(f"  ERROR {shown}")


async def throughput(
    world: World, served: Served, database_url: str, args: argparse.Namespace, folder: Path
) -> bool:
    async with new_client(served.url) as client:
        await sign_in(client, world.reader)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        listed = await client.get("/api/v1/projects")
    payload = folder / "projects.json"
    payload.write_text(json.dumps(listed.json()), encoding="utf-8")
    projects = len(listed.json()["items"])

    async def datadive_processes() -> list[int]:
        return [served.process.pid, *await postgres_backends(database_url)]

    with serve_bare_app(payload=payload) as bare:

        async def bare_processes() -> list[int]:
            return [bare.process.pid]

        datadive, baseline = await compare_throughput(
            Target("Datadive", served.url, cookie, datadive_processes),
            Target("bare FastAPI", bare.url, None, bare_processes),
            clients=args.clients,
            seconds=args.throughput_seconds,
        )
    print(
        f"\nthroughput of GET /api/v1/projects ({projects} projects, {len(listed.content)} "
        f"bytes), {args.clients} connections, {datadive.seconds:.0f} s each:"
    )
    for result in (baseline, datadive):
        print(
            f"  {result.name:<13} {result.per_second:8.1f} requests/s   CPU "
            f"{result.cpu_per_request * 1000:6.2f} ms/request   errors {result.errors}"
        )
        for shown in result.shown:
            print(f"  ERROR {shown}")
    print(f"  ratio (Datadive / bare): {datadive.per_second / baseline.per_second:.2f} (aim ≥ 0.6)")
    print(
        "  CPU per request (bare / Datadive, with its PostgreSQL processes): "
        f"{baseline.cpu_per_request / datadive.cpu_per_request:.2f}"
    )
    return datadive.errors + baseline.errors == 0


async def main(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)  # noqa: S311 - think times, not secrets
    with tempfile.TemporaryDirectory(prefix="datadive-load-") as name:
        folder = Path(name)
        data_dir = folder / "data"
        data_dir.mkdir()
        async with postgres_database(args.postgres_url) as database_url:
            with serve_datadive(database_url=database_url, data_dir=data_dir) as served:
                print(
                    f"Datadive at {served.url}, PostgreSQL; {args.users} users, "
                    f"{args.members} per project, {args.minutes:g} minutes"
                )
                start = time.monotonic()
                world = await build_world(
                    base_url=served.url,
                    database_url=database_url,
                    users=args.users,
                    members_per_project=args.members,
                )
                print(f"set up in {time.monotonic() - start:.0f} s")
                start = time.monotonic()
                warmed = await warm_up(world, served.url, rng)
                report(
                    "warm-up (first run of every notebook: kernels start)",
                    warmed,
                    time.monotonic() - start,
                )
                start = time.monotonic()
                cpu_before = cpu_seconds([served.process.pid])
                loaded = await load(world, served.url, rng, args.minutes)
                elapsed = time.monotonic() - start
                report("load", loaded, elapsed)
                busy = (cpu_seconds([served.process.pid]) - cpu_before) / elapsed
                print(
                    f"  the Datadive process was busy {busy:.0%} of the time (one core: 100%); "
                    "machine load average (1, 5, 15 min): "
                    + ", ".join(f"{value:.1f}" for value in os.getloadavg())
                )
                clean = await throughput(world, served, database_url, args, folder)
                if warmed.errors or loaded.errors:
                    print("\nthe server's last lines:\n" + served.tail())
                for line, count in served.exceptions.most_common(8):
                    print(f"the server logged {count} × {line}")
    errors = warmed.errors + loaded.errors
    print(f"\n{'no errors' if errors == 0 and clean else 'ERRORS: see above'}")
    return 0 if errors == 0 and clean else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(options())))
