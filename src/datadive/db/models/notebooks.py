"""Notebooks, their cells, and the cell templates cells are made from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from datadive.db.base import Base, IdMixin, TimestampMixin, enum_column
from datadive.db.ids import ID_LENGTH
from datadive.db.models.projects import project_fk
from datadive.db.types import UtcDateTime

NOTEBOOK_STATUSES = ("active", "archived")
CELL_KINDS = ("template", "code", "markdown")
CELL_STATUSES = ("idle", "queued", "running", "ok", "error", "stale")
TEMPLATE_VISIBILITIES = ("private", "public")


class Notebook(IdMixin, TimestampMixin, Base):
    __tablename__ = "notebooks"
    __table_args__ = (sa.UniqueConstraint("project_id", "path"),)

    project_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), project_fk())
    title: Mapped[str] = mapped_column(sa.String(200))
    # Path of the notebook's .ipynb inside the project's workspace.
    path: Mapped[str] = mapped_column(sa.String(1024))
    status: Mapped[str] = mapped_column(
        enum_column(*NOTEBOOK_STATUSES, name="status"), default="active", server_default="active"
    )
    kernel_name: Mapped[str] = mapped_column(
        sa.String(100), default="python3", server_default="python3"
    )
    # Number of the notebook's newest event (see `NotebookEvent`).
    event_seq: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # What Datadive last wrote to the notebook's .ipynb: the file's SHA-256 and each cell's
    # id, kind and source. A file that no longer matches was changed outside Datadive
    # (JupyterLab), and the change is taken in before the file is written again.
    file_base: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class CellTemplate(IdMixin, TimestampMixin, Base):
    """One version of a template; editing adds a row with the next version."""

    __tablename__ = "cell_templates"
    __table_args__ = (sa.UniqueConstraint("owner_id", "slug", "version"),)

    slug: Mapped[str] = mapped_column(sa.String(100))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    category: Mapped[str] = mapped_column(sa.String(100))
    code: Mapped[str] = mapped_column(sa.Text)
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # NULL owner = built-in.
    owner_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    visibility: Mapped[str] = mapped_column(
        enum_column(*TEMPLATE_VISIBILITIES, name="visibility"),
        default="private",
        server_default="private",
    )


class Cell(IdMixin, TimestampMixin, Base):
    __tablename__ = "cells"
    __table_args__ = (sa.Index("ix_cells_notebook_id_position", "notebook_id", "position"),)

    notebook_id: Mapped[str] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("notebooks.id", ondelete="CASCADE")
    )
    # A sortable key (fractional indexing): moving a cell rewrites only that cell's key.
    position: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(enum_column(*CELL_KINDS, name="kind"))
    template_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("cell_templates.id", ondelete="SET NULL")
    )
    template_version: Mapped[int | None]
    inputs: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    draft_inputs: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    outputs: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    execution_count: Mapped[int | None]
    status: Mapped[str] = mapped_column(
        enum_column(*CELL_STATUSES, name="status"), default="idle", server_default="idle"
    )
    # Why the status is what it is, when it says more than the status itself: `edited` (the
    # cell changed since it ran), `after:<cell id>` (an earlier cell it uses changed),
    # `restart` (the kernel restarted since it ran). See `services/authoring/cell_status.py`.
    status_reason: Mapped[str | None] = mapped_column(sa.String(80))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
