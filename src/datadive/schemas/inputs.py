"""The base of every request body: unknown fields are refused (so `owner_id` or `is_admin`
cannot be smuggled in) and values are taken as the JSON types they are: `0` is not a boolean,
`1` is not text, `"1"` is not a number. Clients send JSON true/false and numbers as numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Strict
from pydantic_core import PydanticCustomError

# JSON has no date type: a datetime arrives as ISO 8601 text, which strict mode would refuse.
JsonDatetime = Annotated[datetime, Strict(False)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def true_or_false(value: object) -> object:
    """A query string has only text: `true` and `false` are booleans, `0`, `1`, `yes`, `on`
    are not (pydantic would take them)."""
    if isinstance(value, str) and value not in ("true", "false"):
        raise PydanticCustomError("bool_parsing", "must be true or false")
    return value


QueryBool = Annotated[bool, BeforeValidator(true_or_false)]
