"""SECURITY.md check 24: a table of the running kernel downloaded as CSV or Excel has every
text cell and column name that a spreadsheet would run as a formula neutralized with a `'`;
numbers stay numbers. The kernel is asked silently and nothing is started to answer."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi import FastAPI

from tests.support.cells import run_code
from tests.support.world import World, build_world

pytestmark = pytest.mark.slow

RISKY = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "plain"]
NEUTRALIZED = ["'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain"]
COLUMNS = {
    "text": RISKY,
    "number": [1, -2, 3.5, 4, 5, 6, 7],
    '=HYPERLINK("x")': ["a", None, "c", "d", "e", "f", "g"],
}
MAKE_TABLE = f"""import pandas as pd
risky = pd.DataFrame({COLUMNS!r})
note = "not a table"
print(len(risky))
"""
COUNT = "print('after')"


def export_url(world: World, name: str, table_format: str) -> str:
    return f"/api/v1/notebooks/{world.notebook_id}/variables/{name}/export?format={table_format}"


async def test_a_table_downloads_with_formulas_neutralized(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        first = await run_code(editor, world.notebook_id, MAKE_TABLE)
        as_csv = await editor.get(export_url(world, "risky", "csv"))
        as_xlsx = await editor.get(export_url(world, "risky", "xlsx"))
        bad_name = await editor.get(export_url(world, "risky.__class__", "csv"))
        keyword = await editor.get(export_url(world, "class", "csv"))
        unknown = await editor.get(export_url(world, "missing", "csv"))
        not_table = await editor.get(export_url(world, "note", "csv"))
        bad_format = await editor.get(export_url(world, "risky", "html"))
        refused = await viewer.get(export_url(world, "risky", "csv"))
        second = await run_code(editor, world.notebook_id, COUNT)
    async with world.other.client(app) as outsider:
        hidden = await outsider.get(export_url(world, "risky", "csv"))
    folder = app.state.backend.workspace(world.project_id) / ".datadive-export"

    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-disposition"] == "attachment; filename*=UTF-8''risky.csv"
    assert as_csv.headers["x-content-type-options"] == "nosniff"
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["text", "number", '\'=HYPERLINK("x")']
    assert [row[0] for row in rows[1:]] == NEUTRALIZED
    assert [row[1] for row in rows[1:]] == ["1.0", "-2.0", "3.5", "4.0", "5.0", "6.0", "7.0"]
    assert [row[2] for row in rows[1:]] == ["a", "", "c", "d", "e", "f", "g"]

    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["content-disposition"] == "attachment; filename*=UTF-8''risky.xlsx"
    assert as_xlsx.headers["x-content-type-options"] == "nosniff"
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["text", "number", '\'=HYPERLINK("x")']
    # XML reads a carriage return back as a line feed; the `'` is what matters.
    assert [row[0] for row in values[1:]] == [v.replace("\r", "\n") for v in NEUTRALIZED]
    assert [row[1] for row in values[1:]] == [1, -2, 3.5, 4, 5, 6, 7]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    assert bad_name.status_code == 422
    assert keyword.status_code == 422
    assert bad_name.headers["content-type"] == "application/problem+json"
    assert unknown.status_code == 404
    assert not_table.status_code == 404
    assert "no table named note" in not_table.json()["detail"]
    assert bad_format.status_code == 422
    assert refused.status_code == 403
    assert hidden.status_code == 404
    # Asked silently: the next cell is execution 2, and no export file is left behind.
    assert (first["execution_count"], second["execution_count"]) == (1, 2)
    assert not list(folder.iterdir())


async def test_without_a_kernel_the_download_is_refused_and_nothing_starts(app: FastAPI) -> None:
    world = await build_world(app)
    async with world.editor.client(app) as editor:
        answer = await editor.get(export_url(world, "df", "csv"))
    status = await app.state.backend.status(world.project_id)

    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert "No kernel runs" in answer.json()["detail"]
    assert status.running is False


async def test_the_notebook_page_offers_the_kernel_tables_for_download(app: FastAPI) -> None:
    world = await build_world(app)
    nb = world.notebook_id
    async with world.editor.client(app) as editor, world.viewer.client(app) as viewer:
        before = await editor.get(f"/notebooks/{nb}")
        nothing = await editor.get(f"/notebooks/{nb}/tables")
        await run_code(editor, nb, MAKE_TABLE)
        page = await editor.get(f"/notebooks/{nb}")
        tables = await editor.get(f"/notebooks/{nb}/tables", headers={"HX-Request": "true"})
        onward = await editor.get(
            f"/notebooks/{nb}/download-table", params={"name": "risky", "format": "xlsx"}
        )
        bad = await editor.get(f"/notebooks/{nb}/download-table", params={"name": "a-b"})
        viewer_page = await viewer.get(f"/notebooks/{nb}")
        viewer_tables = await viewer.get(f"/notebooks/{nb}/tables")

    # Offered once the kernel's server runs, and only to who may run code.
    assert "Download a table" not in before.text
    assert "No table to download" in nothing.text
    assert "Download a table" in page.text
    assert "Download a table" not in viewer_page.text
    assert viewer_tables.status_code == 403
    assert '<option value="risky">risky</option>' in tables.text
    assert 'value="note"' not in tables.text
    assert 'name="format" value="csv"' in tables.text
    assert 'name="format" value="xlsx"' in tables.text
    assert onward.status_code == 303
    assert onward.headers["location"] == (
        f"/api/v1/notebooks/{nb}/variables/risky/export?format=xlsx"
    )
    assert bad.status_code == 422
