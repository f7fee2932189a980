"""`POST /internal/jupyter/projects/{project_id}/saved`: a project's Jupyter server says that it
saved a notebook, and Datadive takes the file into the notebook's cells.

Only that server can call it: the notice is signed with a key Datadive gave the server when it
started it (`datadive.jupyter.save_notices`). No user stands behind it, so it is not part of
the v1 API; the notice carries a path only, and Datadive reads the file itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from datadive.api.deps import BackendDep
from datadive.errors import Forbidden, TooLarge
from datadive.jupyter.save_notices import (
    MAX_BODY_BYTES,
    NOTICE_PATH,
    SIGNATURE_HEADER,
    InvalidSaveNotice,
    read_save_notice,
)
from datadive.services.ipynb.notebook_files import NotebookFiles

router = APIRouter(include_in_schema=False)


async def get_notebook_files(request: Request) -> NotebookFiles:
    notebook_files: NotebookFiles = request.app.state.notebook_files
    return notebook_files


async def bounded_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge("A save notice is a few hundred bytes.")
    return body


@router.post(NOTICE_PATH)
async def notebook_saved(
    project_id: str,
    request: Request,
    backend: BackendDep,
    notebook_files: Annotated[NotebookFiles, Depends(get_notebook_files)],
) -> dict[str, Any]:
    key = backend.save_notice_key(project_id)
    body = await bounded_body(request)
    try:
        if key is None:
            raise InvalidSaveNotice("no Jupyter server of this project runs here")
        path = read_save_notice(key, body, request.headers.get(SIGNATURE_HEADER, ""))
    except InvalidSaveNotice as exc:
        raise Forbidden(f"Save notice refused: {exc}.") from None
    outcome = await notebook_files.file_saved(project_id, path)
    if outcome is None:
        return {"notebook_id": None, "taken_in": False, "written": False, "refused": None}
    return {
        "notebook_id": outcome.notebook_id,
        "taken_in": outcome.taken_in is not None,
        "written": outcome.written,
        "refused": outcome.refused,
    }
