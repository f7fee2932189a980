"""Errors about a file's content. Both are `Invalid` (the file is bad input): the API answers 422
with the field `file`, and the message says what to change."""

from __future__ import annotations

from datadive.errors import FieldError, Invalid


class UnreadableFile(Invalid):
    """The file is damaged, empty, or not in the format it claims to be."""

    slug = "unreadable-file"
    title = "Unreadable file"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[FieldError("file", detail)])


class UnsupportedFormat(Invalid):
    """Datadive has no reader for this format name."""

    slug = "unsupported-format"
    title = "Unsupported file format"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[FieldError("file", detail)])
