"""Requests per second of `GET /api/v1/projects`: Datadive (a signed-in user with a few
projects) against the bare FastAPI app of `bench/bare_app.py`, in alternating slices.

The clients are plain HTTP/1.1 keep-alive connections written by hand: an httpx client costs
about as much CPU per request as the bare app does, and on two cores it would measure itself.
Besides requests per second, the CPU time each server's processes spent per request is read
from /proc (for Datadive, its PostgreSQL server processes included): on a machine shared with
other work that is steadier than the rate.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far (gone ones count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    cookie: str | None
    processes: Callable[[], Awaitable[list[int]]]  # whose CPU time counts


@dataclass
class Throughput:
    name: str
    requests: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    shown: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.requests if self.requests else 0.0


class BadAnswer(Exception):
    pass


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise BadAnswer(f"no Content-Length in {lines[0]!r} {headers}")
    body = await reader.readexactly(int(headers["content-length"]))
    return status, body, headers.get("connection", "").lower() != "close"


async def one_client(
    url: str, path: str, cookie: str | None, deadline: float, into: Throughput
) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{cookie_line}\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            writer.write(request)
            status, body, keep = await read_answer(reader)
            into.requests += 1
            if status != 200:
                into.errors += 1
                if len(into.shown) < 5:
                    into.shown.append(f"{into.name}: {status} {body[:300]!r}")
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def hammer(
    target: Target, path: str, *, clients: int, seconds: float, into: Throughput
) -> None:
    pids = await target.processes()
    cpu_before, start = cpu_seconds(pids), time.monotonic()
    deadline = start + seconds
    await asyncio.gather(
        *(one_client(target.url, path, target.cookie, deadline, into) for _ in range(clients))
    )
    into.seconds += time.monotonic() - start
    into.cpu += cpu_seconds(pids) - cpu_before


async def compare_throughput(
    datadive_target: Target, bare_target: Target, *, clients: int, seconds: float, slices: int = 4
) -> tuple[Throughput, Throughput]:
    """`seconds` of each, in `slices` alternating slices (so that machine noise hits both),
    after a short untimed warm-up of each."""
    path = "/api/v1/projects"
    datadive, bare = Throughput(datadive_target.name), Throughput(bare_target.name)
    pairs = ((datadive_target, datadive), (bare_target, bare))
    for target, into in pairs:
        await hammer(target, path, clients=clients, seconds=2, into=into)
        # Errors in the warm-up count; its requests and time do not.
        into.requests, into.seconds, into.cpu = 0, 0.0, 0.0
    for _ in range(slices):
        for target, into in pairs:
            await hammer(target, path, clients=clients, seconds=seconds / slices, into=into)
    return datadive, bare
