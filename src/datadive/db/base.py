"""Declarative base with a constraint naming convention, and the id / timestamp mixins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from datadive.db.ids import ID_LENGTH, new_id
from datadive.db.types import UtcDateTime, utcnow

# Named constraints make migrations reproducible (and downgrades possible) on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> sa.Table:
    """A model's table, for Core statements on hot paths: an `UPDATE` on the table skips the
    ORM's bulk-update bookkeeping, which costs more than the statement itself."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


class IdMixin:
    id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), nullable=False, default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(),
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=sa.func.now(),
    )


def enum_column(*values: str, name: str) -> sa.Enum:
    """A string column restricted to `values` by a named CHECK constraint (portable)."""
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
    )
