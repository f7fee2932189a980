from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from datadive.schemas.inputs import Input
from datadive.schemas.text import Title

NotebookStatus = Literal["active", "archived"]


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
