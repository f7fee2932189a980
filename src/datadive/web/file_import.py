""" "Use in notebook": which built-in import template reads a file, and its inputs prefilled
from what the file's metadata says (separator, decimal mark, encoding, sheet) and, for a
Qualtrics export, the project's survey definition (`.qsf`) of the same survey."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.spec import TemplateSpec
from datadive.db.models import File
from datadive.schemas.files import WORKSPACE_FOLDER
from datadive.services.authoring.cell_templates import builtin_id
from datadive.services.columns.column_sources import project_path
from datadive.services.data_files.survey_definitions import survey_definition_at

# The first template that exists wins: a Qualtrics export is read with its own template
# (labels and the extra header rows), or as a plain CSV file when that is not installed.
TEMPLATES_BY_FORMAT: dict[str, tuple[str, ...]] = {
    "csv": ("load-csv",),
    "tsv": ("load-csv",),
    "text": ("load-csv",),
    "qualtrics": ("load-qualtrics", "load-csv"),
    "excel": ("load-excel",),
    "spss": ("load-spss",),
    "stata": ("load-stata",),
}
# Python codec names the dialect sniffer gives → the encodings load-csv offers.
ENCODINGS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16-le": "utf-16",
    "utf-16-be": "utf-16",
    "utf-16": "utf-16",
    "cp1252": "latin-1",
    "latin-1": "latin-1",
}


@dataclass(frozen=True)
class ImportPlan:
    template: TemplateSpec
    template_id: str
    inputs: dict[str, Any]


def kernel_path(file: File) -> str:
    """How kernel code opens the file (as `FilePublic.kernel_path`)."""
    return f"{WORKSPACE_FOLDER}/{file.path}"


def candidate_values(file: File, *, sheet: str | None, survey: File | None) -> dict[str, Any]:
    metadata: Mapping[str, Any] = file.file_metadata or {}
    dialect: Mapping[str, Any] = metadata.get("dialect") or {}
    values: dict[str, Any] = {"file": kernel_path(file)}
    if dialect.get("delimiter"):
        values["separator"] = dialect["delimiter"]
    if dialect.get("decimal"):
        values["decimal"] = dialect["decimal"]
    encoding = ENCODINGS.get(str(dialect.get("encoding", "")).lower())
    if encoding:
        values["encoding"] = encoding
    if survey is not None:
        values["qsf"] = kernel_path(survey)
    sheets = [str(item.get("name")) for item in metadata.get("sheets") or []]
    chosen = sheet if sheet in sheets else metadata.get("sheet")
    if chosen:
        values["sheet"] = str(chosen)
    return values


def fits(template: TemplateSpec, name: str, value: Any) -> bool:
    """Only values the template's input takes: an offered option, a file it accepts."""
    spec = next((item for item in template.inputs if item.name == name), None)
    if spec is None:
        return False
    if spec.type == "select":
        return value in (spec.options or [])
    if spec.type == "file" and spec.accept:
        return str(value).lower().endswith(tuple(a.lower() for a in spec.accept))
    return True


def import_plan(
    file: File, *, sheet: str | None = None, survey: File | None = None
) -> ImportPlan | None:
    """The cell that loads `file`, or None when no built-in template reads its format.
    `survey` is the survey definition of a Qualtrics export
    (`services.data_files.survey_definitions.survey_definition_for`)."""
    metadata: Mapping[str, Any] = file.file_metadata or {}
    if metadata.get("problem"):
        return None
    for slug in TEMPLATES_BY_FORMAT.get(str(metadata.get("format")), ()):
        template = builtin_template(slug)
        if template is None:
            continue
        values = candidate_values(file, sheet=sheet, survey=survey)
        if not fits(template, "file", values["file"]):
            continue
        inputs = {name: value for name, value in values.items() if fits(template, name, value)}
        return ImportPlan(template=template, template_id=builtin_id(template), inputs=inputs)
    return None


async def with_survey_definition(
    session: AsyncSession, *, project_id: str, template: TemplateSpec, inputs: dict[str, Any]
) -> dict[str, Any]:
    """A new import cell's inputs with its empty `.qsf` input filled in, when its `file` input
    names a Qualtrics export of the project whose survey definition the project holds: the
    same offer "Use in notebook" makes, for a cell added from the template list. Clearing the
    field later loads the export without it."""
    wanted = [
        item.name
        for item in template.inputs
        if item.type == "file" and [a.lower() for a in item.accept or []] == [".qsf"]
    ]
    export = project_path(inputs.get("file"))
    if len(wanted) != 1 or inputs.get(wanted[0]) or export is None:
        return inputs
    survey = await survey_definition_at(session, project_id=project_id, path=export)
    return inputs if survey is None else {**inputs, wanted[0]: kernel_path(survey)}
