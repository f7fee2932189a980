"""Who may do what: one table of actions by project role, and one `require`.

Every project-scoped route names its action (see `datadive.api.permissions`); the
authorization-matrix test walks this table. A caller without a role in the project gets 404,
never 403, so that the existence of other people's projects does not leak.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from datadive.errors import Forbidden, NotFound


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class Action(StrEnum):
    PROJECT_READ = "project.read"
    PROJECT_UPDATE = "project.update"
    PROJECT_ARCHIVE = "project.archive"
    PROJECT_DELETE = "project.delete"
    MEMBERS_READ = "members.read"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_LEAVE = "members.leave"
    NOTEBOOK_READ = "notebook.read"
    NOTEBOOK_CREATE = "notebook.create"
    NOTEBOOK_EDIT = "notebook.edit"
    NOTEBOOK_DELETE = "notebook.delete"
    NOTEBOOK_EXECUTE = "notebook.execute"
    FILE_READ = "file.read"
    FILE_UPLOAD = "file.upload"
    FILE_EDIT = "file.edit"
    FILE_DELETE = "file.delete"


EVERYONE = frozenset(Role)
WRITERS = frozenset({Role.OWNER, Role.EDITOR})
OWNER_ONLY = frozenset({Role.OWNER})

PERMISSIONS: MappingProxyType[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.PROJECT_READ: EVERYONE,
        Action.PROJECT_UPDATE: WRITERS,
        Action.PROJECT_ARCHIVE: OWNER_ONLY,
        Action.PROJECT_DELETE: OWNER_ONLY,
        Action.MEMBERS_READ: EVERYONE,
        Action.MEMBERS_MANAGE: OWNER_ONLY,
        # The owner cannot leave: a project always has one (transfer ownership first).
        Action.MEMBERS_LEAVE: frozenset({Role.EDITOR, Role.VIEWER}),
        Action.NOTEBOOK_READ: EVERYONE,
        Action.NOTEBOOK_CREATE: WRITERS,
        Action.NOTEBOOK_EDIT: WRITERS,
        Action.NOTEBOOK_DELETE: WRITERS,
        Action.NOTEBOOK_EXECUTE: WRITERS,
        Action.FILE_READ: EVERYONE,
        Action.FILE_UPLOAD: WRITERS,
        Action.FILE_EDIT: WRITERS,
        Action.FILE_DELETE: WRITERS,
    }
)

WHAT_IT_TAKES = {
    OWNER_ONLY: "only the project's owner can do this",
    WRITERS: "viewers cannot change this project; ask the owner to make you an editor",
}


def is_allowed(role: Role | None, action: Action) -> bool:
    return role is not None and role in PERMISSIONS[action]


def require(role: Role | None, action: Action, *, resource: str = "project") -> None:
    """Raise NotFound when the caller has no role at all, Forbidden when the role falls short."""
    if role is None:
        raise NotFound(f"There is no {resource} with that id, or it is not shared with you.")
    if role not in PERMISSIONS[action]:
        allowed = PERMISSIONS[action]
        reason = WHAT_IT_TAKES.get(allowed, f"your role ({role}) does not allow {action}")
        if action is Action.MEMBERS_LEAVE and role is Role.OWNER:
            reason = "the owner cannot leave; transfer ownership to another member first"
        raise Forbidden(f"Not allowed: {reason}.")
