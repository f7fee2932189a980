"""Notebook events written when their transaction commits, all at once.

`notebook_events.record_event` only notes an event on the session; just before the commit,
`write_pending_events` numbers each notebook's events with one `UPDATE … RETURNING` of the
notebook's counter and stores them with one multi-row insert (and, on PostgreSQL, one `NOTIFY`
per notebook). A transaction that records three events therefore costs two statements, not six.

The counter's row lock is taken just before the commit and held until it, so event numbers
still commit in order and "everything after N" never skips a late commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from datadive.db.base import table_of
from datadive.db.models import Notebook, NotebookEvent
from datadive.db.notifications import CHANNEL
from datadive.db.types import utcnow

# Events a transaction recorded, in order: list[PendingEvent].
PENDING_EVENTS = "notebook_events"


@dataclass(frozen=True)
class PendingEvent:
    notebook_id: str
    kind: str
    data: dict[str, Any]


def note_event(session: Session, event: PendingEvent) -> None:
    session.info.setdefault(PENDING_EVENTS, []).append(event)


def write_pending_events(session: Session) -> None:
    """Store the events noted on `session`; called from its `before_commit` hook."""
    pending: list[PendingEvent] = session.info.pop(PENDING_EVENTS, [])
    if not pending:
        return
    by_notebook: dict[str, list[PendingEvent]] = {}
    for event in pending:
        by_notebook.setdefault(event.notebook_id, []).append(event)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    postgres = session.get_bind().dialect.name == "postgresql"
    notebooks = table_of(Notebook)
    for notebook_id, events in by_notebook.items():
        last = session.scalar(
            sa.update(notebooks)
            .where(notebooks.c.id == notebook_id)
            # Numbering events is not an edit of the notebook.
            .values(
                event_seq=notebooks.c.event_seq + len(events),
                updated_at=notebooks.c.updated_at,
            )
            .returning(notebooks.c.event_seq)
        )
        if last is None:
            continue  # the notebook is gone; nobody can follow it any more
        first = last - len(events) + 1
        rows.extend(
            {
                "notebook_id": notebook_id,
                "seq": first + offset,
                "kind": event.kind,
                "data": event.data,
                "created_at": now,
            }
            for offset, event in enumerate(events)
        )
        if postgres:
            # Delivered to every listening process when (and only if) the transaction commits.
            session.execute(sa.select(sa.func.pg_notify(CHANNEL, notebook_id)))
    if rows:
        session.execute(sa.insert(table_of(NotebookEvent)), rows)


def forget_pending_events(session: Session) -> None:
    session.info.pop(PENDING_EVENTS, None)
