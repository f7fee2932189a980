"""Runs: one execution request each, durable so that it outlives the browser that asked."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from datadive.db.base import Base, IdMixin, TimestampMixin, enum_column
from datadive.db.ids import ID_LENGTH
from datadive.db.types import UtcDateTime

RUN_SCOPES = ("cell", "from_cell", "all")
RUN_STATUSES = ("queued", "starting", "running", "ok", "error", "interrupted", "cancelled")
ACTIVE_RUN_STATUSES = ("queued", "starting", "running")
# A notebook has at most one unfinished run: the database says so, so that two requests at
# the same moment cannot both start one.
ONE_ACTIVE_RUN = "uq_runs_one_active_per_notebook"
_ACTIVE = sa.text("status IN ('queued', 'starting', 'running')")


class Run(IdMixin, TimestampMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (
        sa.Index(
            ONE_ACTIVE_RUN,
            "notebook_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
    )

    notebook_id: Mapped[str] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("notebooks.id", ondelete="CASCADE"), index=True
    )
    cell_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("cells.id", ondelete="SET NULL")
    )
    scope: Mapped[str] = mapped_column(enum_column(*RUN_SCOPES, name="scope"))
    status: Mapped[str] = mapped_column(
        enum_column(*RUN_STATUSES, name="status"), default="queued", server_default="queued"
    )
    requested_by_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The Datadive process carrying the run out, and when it last said it still does: a run
    # whose heartbeat stops (its process died) is ended by any other process.
    worker_id: Mapped[str | None] = mapped_column(sa.String(64))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
