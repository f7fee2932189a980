"""Values Datadive derives (a copy's title, a name taken from a file) must fit their column
on every database: PostgreSQL refuses what is too long, SQLite would keep it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute


def column_length(attribute: InstrumentedAttribute[Any]) -> int:
    """The declared length of a `String(n)` column, e.g. `column_length(Notebook.title)`."""
    column_type = attribute.property.columns[0].type
    assert isinstance(column_type, sa.String)
    assert column_type.length is not None
    return column_type.length


def fitted(base: str, suffix: str = "", *, limit: int) -> str:
    """`base` + `suffix` within `limit` characters: the base is shortened, never the suffix,
    so `… (copy)` still says what it is."""
    room = max(limit - len(suffix), 0)
    return base[:room].rstrip() + suffix if len(base) > room else base + suffix
