"""Opaque, time-sortable identifiers (UUIDv7 in canonical text form)."""

import uuid_utils

ID_LENGTH = 36


def new_id() -> str:
    return str(uuid_utils.uuid7())
