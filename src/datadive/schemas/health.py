from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DatabaseHealthPublic(BaseModel):
    reachable: bool
    dialect: str = Field(examples=["sqlite", "postgresql"])
    revision: str | None = Field(description="Schema revision the database is at.")
    head: str | None = Field(description="Schema revision this Datadive expects.")
    at_head: bool
    problem: str | None = None


class HealthPublic(BaseModel):
    status: Literal["ok", "unavailable"]
    version: str
    database: DatabaseHealthPublic
    kernels_sandboxed: bool | None = Field(
        default=None,
        description="Whether local project servers run in a bubblewrap sandbox (null: the "
        "execution backend leaves it to JupyterHub).",
    )
