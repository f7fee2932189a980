"""Receive a `multipart/form-data` upload as a stream: the file part goes to a temporary file,
hashed and counted on the way; nothing is buffered whole in memory.

The size limit is checked twice: against `Content-Length` before the first byte is read, and
against the bytes actually received, so a body that grows past the limit (or that has no
`Content-Length`) is cut off at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from datadive.errors import Invalid, TooLarge, UnsupportedContent
from datadive.services.data_files.files import Upload, describe_bytes

FILE_FIELD = "file"
# Room for the form's own framing (boundaries, part headers, a `path` field).
FRAMING_ALLOWANCE = 64 * 1024
MAX_FIELD_BYTES = 4096
MAX_PARTS = 8


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"The file is larger than the upload limit of {describe_bytes(limit)}.")


class _Receiver:
    """Callbacks for python-multipart; file bytes are collected per network chunk and written
    to disk by `receive_upload` between chunks (off the event loop)."""

    def __init__(self, sink: IO[bytes], limit: int) -> None:
        self.sink = sink
        self.limit = limit
        self.digest = hashlib.sha256()
        self.size = 0
        self.pending: list[bytes] = []
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.parts = 0
        self.files = 0
        self.header_field = b""
        self.header_value = b""
        self.part_name: str | None = None
        self.part_is_file = False
        self.field_value = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise Invalid.field("body", f"the form may have at most {MAX_PARTS} parts")
        self.part_name, self.part_is_file = None, False
        self.field_value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_field.lower() == b"content-disposition":
            _kind, options = parse_options_header(self.header_value)
            name = options.get(b"name", b"").decode("utf-8", "replace")
            self.part_name = name
            if b"filename" in options:
                self.part_is_file = True
                if name == FILE_FIELD:
                    self.files += 1
                    if self.files > 1:
                        raise Invalid.field(FILE_FIELD, "send one file per request")
                    self.filename = options[b"filename"].decode("utf-8", "replace")
        self.header_field, self.header_value = b"", b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.part_is_file and self.part_name == FILE_FIELD:
            self.size += len(chunk)
            if self.size > self.limit:
                raise too_large(self.limit)
            self.digest.update(chunk)
            self.pending.append(chunk)
        elif not self.part_is_file:
            self.field_value += chunk
            if len(self.field_value) > MAX_FIELD_BYTES:
                raise Invalid.field(self.part_name or "body", "this form field is too long")
        # Other file parts are ignored (and not stored).

    def on_part_end(self) -> None:
        if not self.part_is_file and self.part_name:
            self.fields[self.part_name] = self.field_value.decode("utf-8", "replace")

    def take_pending(self) -> bytes:
        data = b"".join(self.pending)
        self.pending.clear()
        return data


def boundary_of(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UnsupportedContent(
            "Send the file as multipart/form-data with a `file` part (and an optional `path`)."
        )
    return boundary


def check_declared_length(request: Request, *, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FRAMING_ALLOWANCE:
        raise too_large(limit)


def open_temporary(folder: Path) -> IO[bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.NamedTemporaryFile(dir=folder, prefix="upload-", delete=False)


@asynccontextmanager
async def receive_upload(
    request: Request, *, limit: int, temp_dir: Path
) -> AsyncIterator[tuple[Upload, dict[str, str]]]:
    """The upload and the form's text fields; the temporary file is removed on exit."""
    check_declared_length(request, limit=limit)
    boundary = boundary_of(request)
    sink = await asyncio.to_thread(open_temporary, temp_dir)
    path = Path(sink.name)
    try:
        receiver = _Receiver(sink, limit)
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": receiver.on_part_begin,
                "on_header_field": receiver.on_header_field,
                "on_header_value": receiver.on_header_value,
                "on_header_end": receiver.on_header_end,
                "on_part_data": receiver.on_part_data,
                "on_part_end": receiver.on_part_end,
            },
        )
        received = 0
        try:
            async for chunk in request.stream():
                received += len(chunk)
                if received > limit + FRAMING_ALLOWANCE:
                    raise too_large(limit)
                parser.write(chunk)
                if receiver.pending:
                    await asyncio.to_thread(sink.write, receiver.take_pending())
            parser.finalize()
        except MultipartParseError as exc:
            raise Invalid.field("body", f"the multipart form cannot be read: {exc}") from None
        except ClientDisconnect:
            raise Invalid.field("body", "the upload was interrupted") from None
        await asyncio.to_thread(sink.close)
        if receiver.files == 0:
            raise Invalid.field(FILE_FIELD, "the form has no `file` part")
        upload = Upload(
            temp_path=path,
            size=receiver.size,
            sha256=receiver.digest.hexdigest(),
            filename=receiver.filename,
        )
        yield upload, receiver.fields
    finally:
        sink.close()
        await asyncio.to_thread(path.unlink, missing_ok=True)
