"""Projects, who belongs to them, and the files they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from datadive.db.base import Base, IdMixin, TimestampMixin, enum_column
from datadive.db.ids import ID_LENGTH
from datadive.db.types import UtcDateTime

MEMBER_ROLES = ("owner", "editor", "viewer")


def project_fk() -> sa.ForeignKey:
    return sa.ForeignKey("projects.id", ondelete="CASCADE")


class Project(IdMixin, TimestampMixin, Base):
    __tablename__ = "projects"

    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    owner_id: Mapped[str] = mapped_column(
        sa.String(ID_LENGTH), sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    archived: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Soft delete: set when deleted, purged for good after a grace period.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ProjectMember(TimestampMixin, Base):
    __tablename__ = "project_members"

    project_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), project_fk(), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        sa.String(ID_LENGTH),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    role: Mapped[str] = mapped_column(enum_column(*MEMBER_ROLES, name="role"))


class File(IdMixin, TimestampMixin, Base):
    """A file of a project. Object storage holds the bytes under `storage_key`."""

    __tablename__ = "files"
    __table_args__ = (sa.UniqueConstraint("project_id", "path"),)

    project_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), project_fk())
    path: Mapped[str] = mapped_column(sa.String(1024))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    content_type: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(1024))
    # `metadata` is reserved on declarative classes, hence the attribute name.
    file_metadata: Mapped[dict[str, Any]] = mapped_column(
        "metadata", sa.JSON, default=dict, server_default="{}"
    )
