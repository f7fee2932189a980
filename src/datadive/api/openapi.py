"""The OpenAPI document at /api/v1/openapi.json, the API's contract.

FastAPI describes the routes, their parameters and their success answers. This module adds
what it cannot see: how each operation authenticates (the session cookie or an API token; the
public ones neither), the `application/problem+json` errors each operation can answer, and the
links between operations (the id a `POST` answers is the `{id}` of the next requests), which
clients and schemathesis' stateful tests follow. Operation ids are the route functions' names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from datadive.api import deps
from datadive.api.origin_check import SAFE_METHODS
from datadive.api.permissions import PERMISSION_DEPENDENCIES
from datadive.api.problems import PROBLEM_MEDIA_TYPE
from datadive.auth.cookies import SECURE_COOKIE_NAME
from datadive.auth.permissions import Role, is_allowed

COOKIE_SCHEME = "sessionCookie"
TOKEN_SCHEME = "apiToken"  # noqa: S105 (a scheme's name, no secret)

SECURITY_SCHEMES: dict[str, Any] = {
    COOKIE_SCHEME: {
        "type": "apiKey",
        "in": "cookie",
        "name": SECURE_COOKIE_NAME,
        "description": "The session cookie set by sign-up and sign-in. Over plain-http "
        "loopback it is `datadive_session`. State-changing requests that carry it must send "
        "Datadive's own `Origin`.",
    },
    TOKEN_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "ddt_…",
        "description": "`Authorization: Bearer <API token>`; a `read` token may only `GET`.",
    },
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 describes (docs/reference/errors.md lists the types).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`urn:datadive:problem:<slug>`"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong and what to do."},
        "errors": {
            "type": "array",
            "description": "One entry per field that is wrong.",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "location": {"type": "string"},
                },
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    401: "Not signed in, or the session or API token is no longer valid.",
    403: "Not allowed: the role falls short, a read-only token writes, an API token where a "
    "browser session is needed, or a cross-site request.",
    404: "Nothing with that id, or it is not shared with you.",
    409: "Conflicts with the current state.",
    413: "Too large.",
    415: "The content does not match its type.",
    422: "Invalid input; `errors` names each field.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    503: "A service Datadive needs is unavailable.",
}

FASTAPI_422_DESCRIPTION = "Validation Error"

RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
}

# Errors only some operations answer, by operation id; the rest follow from each route's
# parameters, authentication and permission check (see `error_statuses`).
SPECIFIC_ERRORS: dict[str, set[int]] = {
    "sign_up": {409, 429, 503},
    "sign_in": {401, 429},
    "update_me": {409, 503},
    "verify_email": {429},
    "resend_verification": {429, 503},
    "request_password_reset": {429, 503},
    "update_project": {409},
    "restore_project": {409},
    "add_member": {409},
    "change_member_role": {409},
    "remove_member": {409},
    "create_notebook": {409},
    "update_notebook": {409},
    "duplicate_notebook": {409},
    "create_cell": {409},
    "update_cell": {409},
    "move_cell": {409},
    "upgrade_cell": {409},
    "delete_cell": {409},
    "create_template": {409},
    "update_template": {409},
    "upload_file": {409, 413, 415},
    "update_file": {409},
    "copy_file": {409, 413},
    "execute_cell": {409, 503},
    "execute_notebook": {409, 503},
    "control_kernel": {409, 503},
    "start_server": {503},
    "open_in_jupyterlab": {409},
    "export_variable": {409, 503},
}

# Operations that answer with their one response model under a second status: a run is `200`
# once finished, `202` while it goes on.
SECOND_SUCCESS: dict[str, tuple[int, str]] = {
    "execute_cell": (200, "The run, finished while the request waited (`?wait=`)."),
    "execute_notebook": (200, "The run, finished while the request waited (`?wait=`)."),
    "read_run": (202, "The run, still going on."),
}

# (from operation, its status) → links to (operation, {parameter: runtime expression}).
ID = "$response.body#/id"
LINKS: dict[tuple[str, int], dict[str, tuple[str, dict[str, str]]]] = {
    ("create_project", 201): {
        "ReadProject": ("read_project", {"project_id": ID}),
        "UpdateProject": ("update_project", {"project_id": ID}),
        "DeleteProject": ("delete_project", {"project_id": ID}),
        "ListMembers": ("list_members", {"project_id": ID}),
        "CreateNotebook": ("create_notebook", {"project_id": ID}),
        "ListNotebooks": ("list_notebooks", {"project_id": ID}),
        "UploadFile": ("upload_file", {"project_id": ID}),
        "ListFiles": ("list_files", {"project_id": ID}),
        "ReadServer": ("read_server", {"project_id": ID}),
    },
    ("create_notebook", 201): {
        "ReadNotebook": ("read_notebook", {"notebook_id": ID}),
        "UpdateNotebook": ("update_notebook", {"notebook_id": ID}),
        "DeleteNotebook": ("delete_notebook", {"notebook_id": ID}),
        "DuplicateNotebook": ("duplicate_notebook", {"notebook_id": ID}),
        "CreateCell": ("create_cell", {"notebook_id": ID}),
        "ListCells": ("list_cells", {"notebook_id": ID}),
        "ExportNotebook": ("export_notebook", {"notebook_id": ID}),
    },
    ("create_cell", 201): {
        "ReadCell": ("read_cell", {"cell_id": ID}),
        "UpdateCell": ("update_cell", {"cell_id": ID}),
        "DeleteCell": ("delete_cell", {"cell_id": ID}),
        "MoveCell": ("move_cell", {"cell_id": ID}),
    },
    ("upload_file", 201): {
        "ReadFile": ("read_file", {"file_id": ID}),
        "UpdateFile": ("update_file", {"file_id": ID}),
        "DeleteFile": ("delete_file", {"file_id": ID}),
        "DownloadFile": ("download_file", {"file_id": ID}),
        "PreviewFile": ("preview_file", {"file_id": ID}),
    },
    ("create_template", 201): {
        "ReadTemplate": ("read_template", {"template_id": ID}),
        "UpdateTemplate": ("update_template", {"template_id": ID}),
        "DeleteTemplate": ("delete_template", {"template_id": ID}),
    },
    ("create_token", 201): {
        "RevokeToken": ("revoke_token", {"token_id": ID}),
    },
}


def calls_of(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from calls_of(dependency)


# Anyone may call these. Sign-up and sign-in read the session cookie a browser still carries
# only to end that session, which is no authentication.
PUBLIC_OPERATIONS = frozenset({"sign_up", "sign_in"})


def security_of(route: APIRoute) -> list[dict[str, list[str]]]:
    """Who may call: a browser session only, a session or a token, anyone (optional), or
    nobody needs to sign in (public)."""
    if route.name in PUBLIC_OPERATIONS:
        return []
    calls = set(calls_of(route.dependant))
    if deps.require_session in calls:
        return [{COOKIE_SCHEME: []}]
    if deps.require_principal in calls:
        return [{COOKIE_SCHEME: []}, {TOKEN_SCHEME: []}]
    if deps.optional_principal in calls:
        return [{}, {COOKIE_SCHEME: []}, {TOKEN_SCHEME: []}]
    return []


def may_refuse(route: APIRoute) -> bool:
    """Whether a signed-in caller can be refused (403): an API token where a session is
    needed, or a member whose role falls short of the route's action (a viewer, at least)."""
    for call in calls_of(route.dependant):
        if call is deps.require_session:
            return True
        if isinstance(call, PERMISSION_DEPENDENCIES):
            actions = [getattr(call, name, None) for name in ("action", "own_action")]
            if any(a is not None and not is_allowed(Role.VIEWER, a) for a in actions):
                return True
    return False


def changes_a_project(route: APIRoute) -> bool:
    return any(isinstance(call, PERMISSION_DEPENDENCIES) for call in calls_of(route.dependant))


def error_statuses(route: APIRoute, method: str, operation: dict[str, Any]) -> set[int]:
    statuses = set(SPECIFIC_ERRORS.get(route.name, set()))
    security = security_of(route)
    if security and {} not in security:
        statuses.add(401)
    if method.upper() not in SAFE_METHODS or may_refuse(route):
        statuses.add(403)
    if method.upper() not in SAFE_METHODS and changes_a_project(route):
        # An archived project is read-only: every change inside it is a 409 until unarchived.
        statuses.add(409)
    if route.param_convertors:
        statuses.add(404)
    if operation.get("parameters") or operation.get("requestBody") or method != "get":
        statuses.add(422)
    return statuses


def problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 429:
        response["headers"] = RETRY_AFTER
    return response


def describe_operation(route: APIRoute, method: str, operation: dict[str, Any]) -> None:
    operation["operationId"] = route.name
    operation["security"] = security_of(route)
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if route.name in SECOND_SUCCESS:
        status, description = SECOND_SUCCESS[route.name]
        documented = responses[str(route.status_code or 200)]
        responses[str(status)] = {**documented, "description": description}
    for status in sorted(error_statuses(route, method, operation)):
        # A route's own description of an error (`responses={409: {"description": …}}`) stays.
        described = responses.get(str(status), {}).get("description")
        responses[str(status)] = problem_response(status)
        if described and described != FASTAPI_422_DESCRIPTION:
            responses[str(status)]["description"] = described


def add_links(operations: dict[str, dict[str, Any]]) -> None:
    for (source, status), links in LINKS.items():
        response = operations[source]["responses"][str(status)]
        response["links"] = {}
        for name, (target, parameters) in links.items():
            if target not in operations:
                raise ValueError(f"the link {name} leads to {target}, which is no operation")
            response["links"][name] = {"operationId": target, "parameters": parameters}


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        routes=app.routes,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    operations: dict[str, dict[str, Any]] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not context.include_in_schema:
            continue
        for method in context.methods or ():
            operation = document["paths"][context.path_format][method.lower()]
            if route.name in operations:
                raise ValueError(f"two API routes are named {route.name}; rename one")
            describe_operation(route, method.lower(), operation)
            operations[route.name] = operation
    add_links(operations)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve `build_document(app)` (built once, on first request) as the app's OpenAPI."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
