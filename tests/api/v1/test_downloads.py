"""SECURITY.md check 23 for the notebook's downloads: the script and the `.ipynb` come as
attachments with an RFC 5987 file name, and browsers are told not to sniff them (the file and
table downloads are checked in test_files.py and test_table_export.py)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.support.world import build_world


@pytest.mark.parametrize("export_format", ["py", "ipynb"])
async def test_notebook_exports_are_attachments_that_browsers_do_not_sniff(
    app: FastAPI, export_format: str
) -> None:
    world = await build_world(app)
    async with world.viewer.client(app) as viewer:
        response = await viewer.get(
            f"/api/v1/notebooks/{world.notebook_id}/export", params={"format": export_format}
        )

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        f"attachment; filename*=UTF-8''analysis.{export_format}"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
