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
from datadive.db.models import Notebook, NotebookEvent
from datadive.db.notifications import CHANNEL
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


async def record_event(
    session: AsyncSession, *, notebook_id: str, kind: str, data: dict[str, Any]
) -> int:
    """Record one event and return its number; streams wake when the transaction commits."""
    seq = await session.scalar(
        sa.update(Notebook)
        .where(Notebook.id == notebook_id)
        # Numbering an event is not an edit of the notebook.
        .values(event_seq=Notebook.event_seq + 1, updated_at=Notebook.updated_at)
        .returning(Notebook.event_seq)
    )
    if seq is None:
        return 0  # the notebook is gone; nobody can follow it any more
    session.add(NotebookEvent(notebook_id=notebook_id, seq=seq, kind=kind, data=data))
    session.info.setdefault(PENDING_WAKEUPS, set()).add(notebook_id)
    if kind == "cells":
        session.info.setdefault(PENDING_EDITS, set()).add(notebook_id)
    if session.get_bind().dialect.name == "postgresql":
        # Delivered to every listening process when (and only if) the transaction commits.
        await session.execute(sa.select(sa.func.pg_notify(CHANNEL, notebook_id)))
    return seq


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
