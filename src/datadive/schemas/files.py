"""Project files. Inputs forbid unknown fields; a file's project, size and hash are never set
by a client."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from datadive.schemas.inputs import Input
from datadive.schemas.text import OneLine

FilePath = Annotated[OneLine, StringConstraints(min_length=1, max_length=2048)]
WORKSPACE_FOLDER = "data"


class FileUpdate(Input):
    path: FilePath = Field(description="New path: rename, or move into folders (`raw/a.csv`).")
    overwrite: bool = Field(default=False, description="Replace a file already at `path`.")


class FileCopy(Input):
    project_id: Annotated[OneLine, StringConstraints(min_length=1, max_length=64)]
    path: FilePath | None = Field(default=None, description="Default: the same path.")
    overwrite: bool = False


class FilePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    path: str
    size: int
    content_type: str
    sha256: str
    file_metadata: dict[str, Any] = Field(serialization_alias="metadata")
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kernel_path(self) -> str:
        """How code in the project's notebooks opens the file: `pd.read_csv("data/a.csv")`."""
        return f"{WORKSPACE_FOLDER}/{self.path}"
