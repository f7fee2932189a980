"""Cells and cell templates. Inputs forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datadive.schemas.inputs import Input
from datadive.schemas.text import Code, OneLine, Prose

CellKind = Literal["template", "code", "markdown"]
CellStatus = Literal["idle", "queued", "running", "ok", "error", "stale"]
MAX_SOURCE = 200_000


class Placement(Input):
    """Where a cell goes: before or after another cell of the notebook, or at an index
    (0 = first). Nothing: at the end."""

    before: OneLine | None = Field(default=None, max_length=64)
    after: OneLine | None = Field(default=None, max_length=64)
    position: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def at_most_one(self) -> Placement:
        given = [
            name for name in ("before", "after", "position") if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give only one of before, after, position (got {', '.join(given)})")
        return self


class CellMove(Placement):
    @model_validator(mode="after")
    def exactly_one(self) -> CellMove:
        if self.before is None and self.after is None and self.position is None:
            raise ValueError("give one of before, after or position")
        return self


class CellCreate(Placement):
    kind: CellKind
    template_id: OneLine | None = Field(default=None, max_length=64)
    inputs: dict[str, Any] | None = None
    source: Code | None = Field(default=None, max_length=MAX_SOURCE)


class CellUpdate(Input):
    """`draft_inputs` are kept, not applied; `inputs` are applied (the code is made anew);
    `source` replaces the code (a template cell becomes a code cell)."""

    inputs: dict[str, Any] | None = None
    draft_inputs: dict[str, Any] | None = None
    source: Code | None = Field(default=None, max_length=MAX_SOURCE)


class TemplateRef(BaseModel):
    id: str
    slug: str
    version: int
    title: str


class CellPublic(BaseModel):
    id: str
    notebook_id: str
    index: int
    kind: CellKind
    template: TemplateRef | None
    inputs: dict[str, Any] | None
    draft_inputs: dict[str, Any] | None
    source: str
    outputs: list[dict[str, Any]]
    execution_count: int | None
    status: CellStatus
    status_reason: str | None = Field(
        default=None,
        description="Why the status is what it is: `edited` (stale: the cell changed since it "
        "ran), `after:<cell id>` (stale: that earlier cell changed), `restart` (idle: the kernel "
        "restarted since it ran).",
    )
    defines: list[str] = Field(description="Variables this cell defines.")
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Choices(BaseModel):
    input: str
    choices: list[str]


class CellTemplateWrite(Input):
    slug: OneLine
    title: OneLine
    description: Prose = ""
    category: OneLine
    inputs: list[dict[str, Any]] = Field(default_factory=list)
    outputs: list[dict[str, Any]] = Field(default_factory=list)
    code: Code
    visibility: Literal["private", "public"] = "private"


class CellTemplateUpdate(Input):
    title: OneLine | None = None
    description: Prose | None = None
    category: OneLine | None = None
    inputs: list[dict[str, Any]] | None = None
    outputs: list[dict[str, Any]] | None = None
    code: Code | None = None
    visibility: Literal["private", "public"] | None = None


class CellTemplatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    slug: str
    version: int
    title: str
    description: str
    category: str
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    code: str
    owner_id: str | None = Field(description="null for built-in templates")
    visibility: Literal["private", "public"]
    created_at: datetime
