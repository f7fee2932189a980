"""Notebook events: recorded in the transaction that makes the change, read back in order.

Kinds and their data:
- `run`: `{run_id, status, scope, cell_id, error}` when a run is queued, starts, runs, ends.
- `cell-status`: `{cell_ids, status, execution_count?, started_at?, finished_at?}`.
- `outputs`: `{cell_id, index, outputs}` (the cell's outputs from `index` on are these) or
  `{cell_id, index, text}` (the stream output at `index` grew by `text`).
- `cells`: `{change, cell_id}` when cells are created, edited, moved or deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.engine import PENDING_EDITS, PENDING_WAKEUPS
from datadive.db.event_log import PendingEvent, note_event
from datadive.db.models import Notebook, NotebookEvent
from datadive.db.types import utcnow

KEEP_EVENTS_FOR = timedelta(days=1)
READ_BATCH = 500


@dataclass(frozen=True)
class Backlog:
    events: Sequence[NotebookEvent]
    # The events asked for are gone (kept for a day only): reload the notebook instead.
    missed: bool
    # The notebook's newest event number when this was read.
    latest: int


def record_event(
    session: AsyncSession, *, notebook_id: str, kind: str, data: dict[str, Any]
) -> None:
    """Record one event; it is numbered and stored just before the transaction commits
    (`db.event_log`), and streams wake when it has committed."""
    note_event(session.sync_session, PendingEvent(notebook_id=notebook_id, kind=kind, data=data))
    session.info.setdefault(PENDING_WAKEUPS, set()).add(notebook_id)
    if kind == "cells":
        session.info.setdefault(PENDING_EDITS, set()).add(notebook_id)


async def latest_event(session: AsyncSession, *, notebook_id: str) -> int:
    seq = await session.scalar(sa.select(Notebook.event_seq).where(Notebook.id == notebook_id))
    return seq or 0


async def events_after(session: AsyncSession, *, notebook_id: str, after: int) -> Backlog:
    """Events numbered above `after`, oldest first, at most READ_BATCH of them."""
    # The newest number first: events up to it have committed (numbers commit in order), so
    # if none of them is found below, they were purged, not merely still on their way.
    latest = await latest_event(session, notebook_id=notebook_id)
    if after > latest:
        # A number this notebook never handed out.
        return Backlog(events=[], missed=True, latest=latest)
    events = (
        await session.scalars(
            sa.select(NotebookEvent)
            .where(NotebookEvent.notebook_id == notebook_id, NotebookEvent.seq > after)
            .order_by(NotebookEvent.seq)
            .limit(READ_BATCH)
        )
    ).all()
    first = events[0].seq if events else None
    missed = latest > after and (first is None or first > after + 1)
    return Backlog(events=events, missed=missed, latest=latest)


async def purge_old_events(session: AsyncSession, *, before: datetime | None = None) -> None:
    cutoff = before or utcnow() - KEEP_EVENTS_FOR
    await session.execute(sa.delete(NotebookEvent).where(NotebookEvent.created_at < cutoff))
