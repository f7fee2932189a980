"""Following a notebook's Server-Sent Events: a real HTTP server for the app under test, and
a small reader for the `text/event-stream` format."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


@dataclass(frozen=True)
class Event:
    kind: str
    id: int | None
    data: Any


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app (whose lifespan already runs) over real TCP on 127.0.0.1; yield its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def parse(text: str) -> list[Event]:
    """Events in a whole (finished) stream body."""
    events = []
    for block in text.split("\n\n"):
        event = parse_block(block.splitlines())
        if event is not None:
            events.append(event)
    return events


def parse_block(lines: list[str]) -> Event | None:
    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")
    if "data" not in fields:
        return None
    event_id = fields.get("id")
    return Event(
        kind=fields.get("event", "message"),
        id=int(event_id) if event_id else None,
        data=json.loads(fields["data"]),
    )


class EventReader:
    """Reads events off one open stream, in turns."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()
        self.ended = False

    async def next_event(self) -> Event | None:
        """The next event; None when the stream has ended."""
        block: list[str] = []
        async for line in self.lines:
            if line:
                block.append(line)
                continue
            event = parse_block(block)
            block = []
            if event is not None:
                return event
        self.ended = True
        return None

    async def until(self, done: Callable[[Event], bool], *, seconds: float = 60) -> list[Event]:
        """Events up to the first that satisfies `done` (included)."""
        events: list[Event] = []

        async def read() -> None:
            while (event := await self.next_event()) is not None:
                events.append(event)
                if done(event):
                    return
            raise AssertionError(f"the stream ended first; got {events}")

        try:
            await asyncio.wait_for(read(), seconds)
        except TimeoutError:
            raise AssertionError(f"no such event within {seconds} s; got {events}") from None
        return events

    async def to_the_end(self, *, seconds: float) -> list[Event]:
        """The events left, once the server ends the stream (which must happen in time)."""
        events: list[Event] = []

        async def read() -> None:
            while (event := await self.next_event()) is not None:
                events.append(event)

        await asyncio.wait_for(read(), seconds)
        return events


def apply_outputs(outputs: list[dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    """What a page does with an `outputs` event."""
    index = data["index"]
    if "text" in data:
        grown = dict(outputs[index])
        grown["text"] += data["text"]
        return [*outputs[:index], grown]
    return [*outputs[:index], *data["outputs"]]
