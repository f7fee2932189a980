"""Keyset pagination: the cursor carries the sort value and id of the last item shown."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from datadive.errors import Invalid

BAD_CURSOR = "is not a cursor from this list; start again without it"


def encode_cursor(sort_value: Any, item_id: str) -> str:
    value = sort_value.isoformat() if isinstance(sort_value, datetime) else sort_value
    raw = json.dumps([value, item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, is_time: bool) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, item_id = json.loads(raw)
        if not isinstance(item_id, str):
            raise TypeError
        if is_time:
            value = datetime.fromisoformat(value)
        elif not isinstance(value, str):
            raise TypeError
    except (ValueError, TypeError, binascii.Error):
        raise Invalid.field("cursor", BAD_CURSOR) from None
    return value, item_id


def after_cursor(
    column: InstrumentedAttribute[Any],
    id_column: InstrumentedAttribute[str],
    *,
    cursor: str,
    descending: bool,
    is_time: bool,
) -> sa.ColumnElement[bool]:
    """The keyset condition "comes after the cursor" in the list's order."""
    value, item_id = decode_cursor(cursor, is_time=is_time)
    key, last = sa.tuple_(column, id_column), sa.tuple_(sa.literal(value), sa.literal(item_id))
    return key < last if descending else key > last
