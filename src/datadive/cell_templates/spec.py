"""The template format (see "Cell templates" in the architecture)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from datadive.schemas.text import Code, OneLine, Prose

InputType = Literal[
    "text",
    "number",
    "integer",
    "boolean",
    "select",
    "multiselect",
    "file",
    "dataframe",
    "column",
    "columns",
    "identifier",
]
OutputType = Literal["dataframe", "series", "figure", "table", "value", "model", "result"]
# Measurement levels, as file metadata and `df.attrs["datadive"]` name them.
Level = Literal["nominal", "ordinal", "scale", "binary"]
LEVELS: tuple[Level, ...] = get_args(Level)
# Inputs that pick columns of a table (the `dataframe` input they name with `of`).
COLUMN_TYPES = frozenset({"column", "columns"})

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$"
NAME_PATTERN = r"^[a-z_][a-z0-9_]{0,39}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TemplateInput(Strict):
    name: str = Field(pattern=NAME_PATTERN)
    type: InputType
    label: OneLine = Field(default="", max_length=200)
    help: Prose = Field(default="", max_length=1000)
    required: bool = False
    default: Any = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = Field(default=None, max_length=500)
    max_length: int | None = Field(default=None, ge=1)
    options: list[str | int | float] | None = None
    accept: list[str] | None = Field(default=None, description="File endings, for `file`.")
    of: str | None = Field(
        default=None, description="For `column`/`columns`: the `dataframe` input they belong to."
    )
    levels: list[Level] | None = Field(
        default=None,
        description="For `column`/`columns`: the measurement levels offered (unknown: always).",
    )
    range_of: str | None = Field(
        default=None,
        description="For `number`/`integer`: the `column`/`columns` input whose values the "
        "number should lie among (outside them the form warns).",
    )

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class TemplateOutput(Strict):
    """A variable the template defines: an `identifier` or `dataframe` input's value, or a
    fixed name."""

    name: str = Field(pattern=NAME_PATTERN)
    type: OutputType = "dataframe"


class TemplateSpec(Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    title: OneLine = Field(min_length=1, max_length=200)
    description: Prose = Field(default="", max_length=500)
    category: OneLine = Field(min_length=1, max_length=100)
    version: int = Field(default=1, ge=1)
    inputs: list[TemplateInput] = Field(default_factory=list)
    outputs: list[TemplateOutput] = Field(default_factory=list)
    code: Code = Field(min_length=1, max_length=20_000)

    def input(self, name: str) -> TemplateInput | None:
        return next((item for item in self.inputs if item.name == name), None)

    def table_of(self, item: TemplateInput) -> TemplateInput | None:
        """The `dataframe` input a `column` / `columns` input belongs to: the one it names,
        else the template's only one."""
        if item.type not in COLUMN_TYPES:
            return None
        if item.of:
            return self.input(item.of)
        tables = [other for other in self.inputs if other.type == "dataframe"]
        return tables[0] if len(tables) == 1 else None
