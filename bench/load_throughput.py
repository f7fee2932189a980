"""Requests per second of `GET /api/v1/projects`: Datadive (a signed-in user with a few
projects) against the bare FastAPI app of `bench/bare_app.py`, in alternating slices.

The clients are plain HTTP/1.1 keep-alive connections written by hand: an httpx client costs
about as much CPU per request as the bare app does, and on two cores it would measure itself.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Throughput:
    name: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    shown: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


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
    url: str, path: str, *, cookie: str | None, clients: int, seconds: float, into: Throughput
) -> None:
    start = time.monotonic()
    deadline = start + seconds
    await asyncio.gather(
        *(one_client(url, path, cookie, deadline, into) for _ in range(clients))
    )
    into.seconds += time.monotonic() - start


async def compare_throughput(
    *,
    datadive_url: str,
    bare_url: str,
    cookie: str,
    clients: int,
    seconds: float,
    slices: int = 4,
) -> tuple[Throughput, Throughput]:
    """`seconds` of each, in `slices` alternating slices (so that machine noise hits both),
    after a short untimed warm-up of each."""
    path = "/api/v1/projects"
    datadive, bare = Throughput("Datadive"), Throughput("bare FastAPI")
    for url, own_cookie, into in ((datadive_url, cookie, datadive), (bare_url, None, bare)):
        await hammer(url, path, cookie=own_cookie, clients=clients, seconds=2, into=into)
        # Errors in the warm-up count; its requests and time do not.
        into.requests, into.seconds = 0, 0.0
    for _ in range(slices):
        part = seconds / slices
        await hammer(datadive_url, path, cookie=cookie, clients=clients, seconds=part, into=datadive)
        await hammer(bare_url, path, cookie=None, clients=clients, seconds=part, into=bare)
    return datadive, bare
