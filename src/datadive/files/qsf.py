"""Read a Qualtrics survey definition (`.qsf`, JSON) for the file page.

The rules that turn a question into labels and a measurement level live in
`datadive.analysis.qsf`, shared with the reader that notebooks use; here they get the size
limit and the error the Files API reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datadive.analysis.qsf import (
    NotASurveyDefinition,
    parse_qsf,
    question_summaries,
)
from datadive.files.errors import UnreadableFile

MAX_QSF_BYTES = 64 * 1024 * 1024

__all__ = [
    "MAX_QSF_BYTES",
    "question_summaries",
    "read_qsf",
]


def read_qsf(path: Path) -> dict[str, Any]:
    """The survey's id, name and its questions keyed by QuestionID."""
    if path.stat().st_size > MAX_QSF_BYTES:
        raise UnreadableFile("The .qsf file is larger than 64 MB; is it a survey definition?")
    try:
        return parse_qsf(path.read_bytes())
    except NotASurveyDefinition as error:
        raise UnreadableFile(str(error)) from error
