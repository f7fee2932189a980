"""Cursor pagination: `?limit=&cursor=`; `next_cursor` is null on the last page."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from datadive.schemas.text import OneLine

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
CursorParam = Annotated[
    OneLine | None, Query(max_length=200, description="`next_cursor` of the previous page.")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
