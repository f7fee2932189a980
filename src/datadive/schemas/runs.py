from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from datadive.schemas.cells import CellPublic
from datadive.schemas.inputs import Input
from datadive.schemas.text import OneLine

RunStatus = Literal["queued", "starting", "running", "ok", "error", "interrupted", "cancelled"]
FINISHED = frozenset({"ok", "error", "interrupted", "cancelled"})


class NotebookRunRequest(Input):
    from_cell: OneLine | None = Field(
        default=None, max_length=64, description="Run from this cell to the end; default: all."
    )


class RunPublic(BaseModel):
    id: str
    notebook_id: str
    cell_id: str | None
    scope: Literal["cell", "from_cell", "all"]
    status: RunStatus
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cells: list[CellPublic] = Field(description="The cells of this run, as they are now.")


class ServerPublic(BaseModel):
    running: bool
    started_at: datetime | None
    jupyterlab_url: str | None = Field(
        default=None,
        description="Datadive's URL that opens JupyterLab on this server (a browser with a "
        "session follows it); only while the server runs and only for members who may run code.",
    )


class KernelControl(Input):
    notebook_id: OneLine = Field(
        max_length=64, description="Whose kernel: one kernel per notebook."
    )


class KernelControlled(BaseModel):
    done: bool = Field(description="False when the notebook had no running kernel.")
    detail: str
