"""Projects and members. Inputs forbid unknown fields: `owner_id`, `role`, `is_admin` or
`project_id` in a body are refused, never applied."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from datadive.schemas.inputs import Input
from datadive.schemas.text import OneLine, Prose, Title

Description = Annotated[Prose, StringConstraints(max_length=10_000)]
MemberRole = Literal["owner", "editor", "viewer"]
ProjectSort = Literal["-updated_at", "updated_at", "-created_at", "created_at", "title", "-title"]


class ProjectCreate(Input):
    title: Title
    description: Description = ""


class ProjectUpdate(Input):
    title: Title | None = None
    description: Description | None = None
    archived: bool | None = Field(default=None, description="Owner only.")


class UserSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    first_name: str
    last_name: str


class MemberPublic(BaseModel):
    user: UserSummary
    role: MemberRole


class ProjectPublic(BaseModel):
    id: str
    title: str
    description: str
    archived: bool
    owner: UserSummary
    role: MemberRole = Field(description="The caller's role in this project.")
    members: list[MemberPublic]
    created_at: datetime
    updated_at: datetime


class MemberAdd(Input):
    user: OneLine = Field(min_length=1, max_length=320, description="Username or email address.")
    role: Literal["editor", "viewer"] = "viewer"


class MemberUpdate(Input):
    role: MemberRole = Field(
        description="`owner` transfers ownership: the current owner becomes an editor."
    )
