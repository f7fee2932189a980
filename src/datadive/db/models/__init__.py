"""All mapped classes; importing this module registers every table on `Base.metadata`."""

from datadive.db.models.accounts import (
    ApiToken,
    EmailVerificationCode,
    PasswordResetToken,
    RateLimitEvent,
    User,
    UserSession,
)
from datadive.db.models.events import NotebookEvent
from datadive.db.models.notebooks import Cell, CellTemplate, Notebook
from datadive.db.models.projects import File, Project, ProjectMember
from datadive.db.models.runs import Run

__all__ = [
    "ApiToken",
    "Cell",
    "CellTemplate",
    "EmailVerificationCode",
    "File",
    "Notebook",
    "NotebookEvent",
    "PasswordResetToken",
    "Project",
    "ProjectMember",
    "RateLimitEvent",
    "Run",
    "User",
    "UserSession",
]
