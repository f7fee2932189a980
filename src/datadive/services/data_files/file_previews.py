"""Import metadata and previews of stored files, read without a kernel (`datadive.files`).

Metadata is read when a file is stored; a file Datadive cannot read is stored all the same,
its metadata saying what the problem is, so that nothing a user brings is lost. A preview
reads the stored bytes: in place for the local store, from a copy kept on this machine for S3
(`storage.read_cache`). A Qualtrics export is previewed with its survey definition when the
project has one (`services.data_files.survey_definitions`): choice labels and levels from the
`.qsf`."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path, PurePosixPath
from typing import Any

from datadive.db.models import File
from datadive.errors import DatadiveError, Unavailable
from datadive.files import UnreadableFile, preview, read_metadata, read_qualtrics
from datadive.files.delimited import with_survey_definition
from datadive.services.membership.access import FileAccess
from datadive.storage.base import FileStore

MAX_PREVIEW_ROWS = 500


async def file_metadata(source: Path, *, file_format: str, path: str) -> dict[str, Any]:
    """What the file holds (columns, labels, survey structure), or why it could not be read."""
    try:
        found = await asyncio.to_thread(
            read_metadata, source, file_format, original_name=PurePosixPath(path).name
        )
    except DatadiveError as problem:
        return {"format": file_format, "problem": problem.detail}
    return {**found, "format": found.get("format", file_format)}


async def preview_file(
    access: FileAccess,
    *,
    store: FileStore,
    rows: int,
    sheet: str | None,
    survey: File | None,
) -> dict[str, Any]:
    """The file's preview; a Qualtrics export is read with its survey definition `survey`
    (`survey_definitions.survey_definition_for`, which the caller needs too)."""
    file = access.file
    metadata = dict(file.file_metadata or {})
    file_format = str(metadata.get("format", "other"))
    if "problem" in metadata:
        raise UnreadableFile(str(metadata["problem"]))
    if file_format in {"other", "qsf"}:
        raise UnreadableFile(
            f"{file.path!r} is not a table Datadive can preview; download it instead."
        )
    try:
        async with AsyncExitStack() as stack:
            source = await stack.enter_async_context(
                store.local_copy(file.storage_key, suffix=PurePosixPath(file.path).suffix)
            )
            if survey is not None:
                definition = await stack.enter_async_context(
                    store.local_copy(survey.storage_key, suffix=".qsf")
                )
                metadata = await with_definition(source, definition, metadata)
            shown = await asyncio.to_thread(
                preview, source, file_format, metadata=metadata, rows=rows, sheet=sheet
            )
    except FileNotFoundError:
        raise Unavailable(
            f"The stored bytes of {file.path!r} cannot be found; ask the administrator."
        ) from None
    if survey is not None and metadata.get("qualtrics", {}).get("qsf"):
        shown["survey_definition"] = {"id": survey.id, "path": survey.path}
    return shown


async def with_definition(
    source: Path, definition: Path, metadata: dict[str, Any]
) -> dict[str, Any]:
    """The export's metadata with its survey definition applied (the export itself is read
    again only for metadata stored without the facts that needs); as stored when that
    fails."""
    try:
        applied = await asyncio.to_thread(with_survey_definition, metadata, definition)
        if applied is not None:
            return applied
        return await asyncio.to_thread(read_qualtrics, source, definition)
    except DatadiveError:
        return metadata
