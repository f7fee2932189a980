"""Notebook events: what changed in a notebook, numbered per notebook, so that a client that
lost its connection can ask for everything after the last event it saw (`Last-Event-ID`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from datadive.db.base import Base
from datadive.db.ids import ID_LENGTH
from datadive.db.types import UtcDateTime, utcnow

EVENT_KINDS = ("run", "cell-status", "outputs", "cells")


class NotebookEvent(Base):
    __tablename__ = "notebook_events"

    notebook_id: Mapped[str] = mapped_column(
        sa.String(ID_LENGTH),
        sa.ForeignKey("notebooks.id", ondelete="CASCADE"),
        primary_key=True,
    )
    # Taken from `notebooks.event_seq` in the writing transaction: the row lock on the notebook
    # makes numbers commit in order, so "everything after N" never skips a late commit.
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(20))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), nullable=False, default=utcnow, server_default=sa.func.now(), index=True
    )
