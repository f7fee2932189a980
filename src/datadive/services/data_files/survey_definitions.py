"""Which `.qsf` of a project is the survey definition of a Qualtrics export, so that the file
page reads the export with it and "Use in notebook" offers it to the import cell.

A CSV export does not name its survey: the match goes by its questions (ImportIds and export
tags, `datadive.files.qualtrics.matches_survey`), preferring a `.qsf` with the same name."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.models import File
from datadive.files.qualtrics import best_survey

MAX_DEFINITIONS = 200


async def survey_definition_for(session: AsyncSession, *, file: File) -> File | None:
    """The project's survey definition of `file` (a Qualtrics export), or None."""
    metadata = file.file_metadata or {}
    if metadata.get("format") != "qualtrics":
        return None
    rows = (
        await session.scalars(
            sa.select(File)
            .where(File.project_id == file.project_id, File.path.ilike("%.qsf"))
            .order_by(File.path)
            .limit(MAX_DEFINITIONS)
        )
    ).all()
    by_path = {row.path: row for row in rows}
    chosen = best_survey(file.path, metadata, [(row.path, row.file_metadata or {}) for row in rows])
    return by_path.get(chosen) if chosen else None


async def survey_definition_at(session: AsyncSession, *, project_id: str, path: str) -> File | None:
    """The survey definition of the project's file at `path` (as the project stores it), or
    None when there is no such file, it is no Qualtrics export, or no `.qsf` matches."""
    file = await session.scalar(
        sa.select(File).where(File.project_id == project_id, File.path == path)
    )
    return None if file is None else await survey_definition_for(session, file=file)
