"""The simulated users of `bench/load.py`, and what they record.

A user visits again and again until the time is up. A visit is what a researcher does in the
browser: sign in, list the projects, open the notebook (the workspace page, then its cells),
then a few times: edit the cell, run it and wait for its result, read the notebook's events
(as the page's event stream would, from the number the page gave), with think times between;
and sign out. Every answer that is not what a browser would accept (a status of 400 or more,
a run that did not finish `ok` with the expected output, a transport error) is an error.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.load_world import PASSWORD, SimulatedUser, new_client

READ, EDIT, ROUND_TRIP, AUTH = "API reads", "edits", "cell round trips", "sign-in/out"
KINDS = (READ, EDIT, ROUND_TRIP, AUTH)
ERRORS_SHOWN = 10
PAGE_AFTER = re.compile(r'data-after="(\d+)"')
RUN_WAIT_SECONDS = 120


@dataclass
class Recorder:
    seconds: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    by_endpoint: dict[str, list[float]] = field(default_factory=dict)
    requests: int = 0
    errors: int = 0
    shown: list[str] = field(default_factory=list)
    runs: int = 0

    def took(self, kind: str, endpoint: str, seconds: float) -> None:
        self.requests += 1
        self.seconds[kind].append(seconds)
        self.by_endpoint.setdefault(endpoint, []).append(seconds)

    def failed(self, endpoint: str, what: str) -> None:
        self.errors += 1
        if len(self.shown) < ERRORS_SHOWN:
            self.shown.append(f"{endpoint}: {what[:600]}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary_line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<44} n=0"
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    return (
        f"  {name:<44} n={len(values):<6} p50 {p50 * 1000:8.1f} ms   p99 {p99 * 1000:8.1f} ms"
        f"   max {max(values) * 1000:8.1f} ms"
    )


@dataclass
class Visitor:
    """One simulated user: one HTTP client (and cookie jar) per visit."""

    user: SimulatedUser
    base_url: str
    recorder: Recorder
    rng: random.Random
    think_seconds: tuple[float, float]
    runs_per_visit: int
    edits: int = 0

    async def call(
        self,
        client: httpx.AsyncClient,
        kind: str,
        endpoint: str,
        method: str,
        url: str,
        **kwargs: Any,
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.recorder.requests += 1
            self.recorder.failed(endpoint, f"{type(exc).__name__}: {exc}")
            return None
        self.recorder.took(kind, endpoint, time.perf_counter() - start)
        if response.status_code >= 400:
            self.recorder.failed(endpoint, f"{response.status_code} {response.text}")
            return None
        return response

    async def think(self, deadline: float) -> bool:
        """Pause like a person; False when the time is up."""
        pause = self.rng.uniform(*self.think_seconds)
        if time.monotonic() + pause >= deadline:
            return False
        await asyncio.sleep(pause)
        return True

    async def visits(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            async with new_client(self.base_url, timeout=RUN_WAIT_SECONDS + 30) as client:
                await self.visit(client, deadline)
            if not await self.think(deadline):
                return

    async def visit(self, client: httpx.AsyncClient, deadline: float) -> None:
        credentials = {"login": self.user.username, "password": PASSWORD}
        signed_in = await self.call(
            client, AUTH, "POST /auth/sign-in", "POST", "/api/v1/auth/sign-in", json=credentials
        )
        if signed_in is None:
            return
        after = await self.open_notebook(client)
        if after is None:
            return
        for _ in range(self.runs_per_visit):
            if not await self.think(deadline):
                break
            found = await self.edit_run_and_read(client, after)
            if found is None:
                break
            after = found
        await self.call(client, AUTH, "POST /auth/sign-out", "POST", "/api/v1/auth/sign-out")

    async def open_notebook(self, client: httpx.AsyncClient) -> int | None:
        """What the browser fetches to show the workspace; the page's first event number."""
        notebook_id = self.user.notebook_id
        if await self.call(client, READ, "GET /projects", "GET", "/api/v1/projects") is None:
            return None
        page = await self.call(
            client, READ, "GET /notebooks/{id} (page)", "GET", f"/notebooks/{notebook_id}"
        )
        if page is None:
            return None
        match = PAGE_AFTER.search(page.text)
        if match is None:
            self.recorder.failed("GET /notebooks/{id} (page)", "no data-after in the page")
            return None
        endpoint = "GET /notebooks/{id}/cells"
        cells = await self.call(
            client, READ, endpoint, "GET", f"/api/v1/notebooks/{notebook_id}/cells"
        )
        if cells is None:
            return None
        return int(match.group(1))

    async def edit_run_and_read(self, client: httpx.AsyncClient, after: int) -> int | None:
        """Edit the cell, run it, and read the events since `after`; the new `after`."""
        self.edits += 1
        value = self.rng.randrange(1_000_000)
        source = f"value = {value}\nvalue * 2"
        cell_url = f"/api/v1/cells/{self.user.cell_id}"
        edited = await self.call(
            client, EDIT, "PATCH /cells/{id}", "PATCH", cell_url, json={"source": source}
        )
        if edited is None:
            return None
        if edited.json().get("source") != source:
            self.recorder.failed("PATCH /cells/{id}", f"the cell kept {edited.text}")
            return None
        run = await self.call(
            client,
            ROUND_TRIP,
            "POST /cells/{id}/execute?wait=",
            "POST",
            f"{cell_url}/execute",
            params={"wait": RUN_WAIT_SECONDS},
        )
        if run is None or not self.run_answer_ok(run, expected=str(value * 2)):
            return None
        self.recorder.runs += 1
        run_id = run.json()["id"]
        return await self.read_events(client, after, run_id)

    def run_answer_ok(self, run: httpx.Response, *, expected: str) -> bool:
        body = run.json()
        outputs = json.dumps(body.get("cells", [{}])[0].get("outputs", []))
        if run.status_code != 200 or body.get("status") != "ok" or expected not in outputs:
            self.recorder.failed(
                "POST /cells/{id}/execute?wait=",
                f"{run.status_code}, wanted a finished run showing {expected}: {run.text}",
            )
            return False
        return True

    async def read_events(self, client: httpx.AsyncClient, after: int, run_id: str) -> int | None:
        endpoint = "GET /notebooks/{id}/events"
        url = f"/api/v1/notebooks/{self.user.notebook_id}/events"
        stream = await self.call(
            client, READ, endpoint, "GET", url, params={"after": after, "wait": 0}
        )
        if stream is None:
            return None
        events = parse_sse(stream.text)
        finished = [data for kind, data in events if kind == "run" and data.get("run_id") == run_id]
        if not any(data.get("status") == "ok" for data in finished):
            self.recorder.failed(
                endpoint, f"no `run` event saying {run_id} ended ok: {stream.text}"
            )
            return None
        latest = event_id(stream.text)
        return after if latest is None else latest


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.split("\n\n"):
        kind, data = None, None
        for line in block.splitlines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
        if kind is not None and isinstance(data, dict):
            events.append((kind, data))
    return events


def event_id(text: str) -> int | None:
    numbers = [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]
    return max(numbers) if numbers else None
