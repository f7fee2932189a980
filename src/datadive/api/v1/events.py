"""/api/v1/notebooks/{id}/events: what happens in a notebook, as Server-Sent Events.

Each event carries its number as the SSE `id`; a client that reconnects with `Last-Event-ID`
(browsers do it by themselves) or `?after=` gets everything it missed. When what it missed is
no longer kept, it gets a `reset` event and should reload the notebook. A stream ends after
`?wait=` seconds (at most MAX_STREAM_SECONDS, so that the caller's sign-in is checked again when
the browser reconnects); `?wait=0` sends what is there and ends, for scripts that poll.
Membership is checked again before every batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from datadive.api.deps import CurrentPrincipal, DatabaseDep
from datadive.api.permissions import NotebookPermission
from datadive.auth.permissions import Action
from datadive.db.engine import Database
from datadive.db.models import User
from datadive.errors import DatadiveError
from datadive.services.authoring import notebook_events
from datadive.services.membership.access import NotebookAccess, notebook_access

router = APIRouter(tags=["runs"])

KEEPALIVE_SECONDS = 15.0
MAX_STREAM_SECONDS = 600.0
RETRY_MILLISECONDS = 2000


def sse(*, event: str, data: object, event_id: int | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), default=str))
    return "\n".join(lines) + "\n\n"


async def read_backlog(
    database: Database, user: User, notebook_id: str, after: int
) -> tuple[notebook_events.Backlog, int] | None:
    """The events after `after` and the number to go on from; None when the caller may no
    longer see the notebook."""
    async with database.new_session() as session:
        try:
            await notebook_access(
                session, user=user, notebook_id=notebook_id, action=Action.NOTEBOOK_READ
            )
        except DatadiveError:
            return None
        backlog = await notebook_events.events_after(session, notebook_id=notebook_id, after=after)
    return backlog, backlog.latest if backlog.missed else after


async def event_stream(
    request: Request, database: Database, access: NotebookAccess, after: int, wait: float
) -> AsyncIterator[str]:
    notebook_id, user = access.notebook.id, access.user
    deadline = time.monotonic() + wait
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    while not await request.is_disconnected():
        waiter = database.wakeups.waiter(notebook_id)
        # Shielded: a client that goes away must not cut a database read in half (that
        # would leave its connection behind).
        read = asyncio.ensure_future(read_backlog(database, user, notebook_id, after))
        found = await asyncio.shield(read)
        if found is None:
            return  # removed from the project, or the notebook is gone
        backlog, after = found
        if backlog.missed:
            yield sse(event="reset", data={"latest": after}, event_id=after)
            continue
        for item in backlog.events:
            after = item.seq
            yield sse(event=item.kind, data=item.data, event_id=item.seq)
        if backlog.events:
            continue  # read on until caught up
        left = deadline - time.monotonic()
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), min(left, KEEPALIVE_SECONDS))
            continue
        yield ": keep-alive\n\n"


@router.get(
    "/notebooks/{notebook_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An event stream."}},
)
async def follow_events(
    request: Request,
    database: DatabaseDep,
    _principal: CurrentPrincipal,
    access: Annotated[NotebookAccess, Depends(NotebookPermission(Action.NOTEBOOK_READ))],
    after: Annotated[
        int | None, Query(ge=0, description="Send the events numbered above this.")
    ] = None,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
    wait: Annotated[
        float, Query(ge=0, le=MAX_STREAM_SECONDS, description="Seconds to keep the stream open.")
    ] = MAX_STREAM_SECONDS,
) -> StreamingResponse:
    """Cell status changes, output chunks and run progress of a notebook, as they happen.

    Without `Last-Event-ID` or `?after=`, the stream starts with the next event."""
    start = last_event_id if last_event_id is not None else after
    if start is None:
        async with database.new_session() as session:
            start = await notebook_events.latest_event(session, notebook_id=access.notebook.id)
    return StreamingResponse(
        event_stream(request, database, access, start, wait),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
