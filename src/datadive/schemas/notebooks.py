from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
NotebookStatus = Literal["active", "archived"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotebookCreate(Input):
    title: Title


class NotebookUpdate(Input):
    title: Title | None = None
    status: NotebookStatus | None = None


class NotebookDuplicate(Input):
    title: Title | None = None


class NotebookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    title: str
    path: str
    status: NotebookStatus
    kernel_name: str
    created_at: datetime
    updated_at: datetime
