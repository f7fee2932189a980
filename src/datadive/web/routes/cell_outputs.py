"""Kernel HTML that the notebook page shows in a sandboxed frame, served as a document of its
own with its own strict policy (`rendering.OUTPUT_FRAME_POLICY`): the page's policy stays
strict, and the output's inline styles still apply inside the frame."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response

from datadive.web.deps import SignedIn
from datadive.web.notebook_page import CellReadAccess
from datadive.web.outputs import FRAME_DOCUMENT, output_document
from datadive.web.rendering import OUTPUT_FRAME_HEADERS

router = APIRouter()

GONE = FRAME_DOCUMENT.format("<p>This output has changed since the page was shown.</p>")


@router.get("/cells/{cell_id}/outputs/{index}")
async def output_frame(index: int, principal: SignedIn, access: CellReadAccess) -> Response:
    """Output `index` of the cell, when the page shows it in a frame; 404 otherwise (a table,
    an image, or outputs that changed since the page was drawn), answered with a document the
    frame may show. A cell that is gone or may not be read gets the usual error page (or the
    sign-in page), which may not be framed: the frame then stays empty."""
    document = output_document(access.cell.outputs or [], index)
    if document is None:
        return HTMLResponse(GONE, status_code=404, headers=OUTPUT_FRAME_HEADERS)
    return HTMLResponse(document, headers=OUTPUT_FRAME_HEADERS)
