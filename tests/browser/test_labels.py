"""The labelled path in a real browser, on a real Jupyter server: upload a Qualtrics export and
its survey definition (the `.qsf` built for the fixture ../shared/fixtures/qualtrics/ by
tests.support.programme_survey), see the preview mark the responses the import leaves out,
load the export with its template through "Use in notebook", and see a frequency table and a
box plot by programme name the programmes."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.support import Site, check_page, sign_up
from tests.browser.test_files import drop_file
from tests.browser.test_notebook import add_template_cell
from tests.browser.test_projects import create_project
from tests.support.programme_survey import (
    PROGRAMMES,
    kept,
    programme_export,
    programme_qsf,
    responses,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

DURATION = "Duration (in seconds)"


async def choose_column(form: Locator, label: str, column: str) -> None:
    """Pick a column in a template form (the one place that knows how a column field works)."""
    field = form.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))
    await field.fill(column)


async def upload(page: Page, name: str, data: bytes) -> None:
    await drop_file(page, name, data.decode("utf-8"))
    upload = page.locator(".upload-item").filter(has_text=name)
    await expect(upload.locator(".upload-message")).to_have_text("Uploaded.")
    # The file list (and the form a next file is dropped on) is swapped in after the upload;
    # a file dropped on the old form before that is dropped on a detached element, and lost.
    files = page.locator("#files")
    await expect(files.get_by_role("link", name=name, exact=True)).to_be_visible()


async def test_programme_names_from_the_qsf_in_tables_and_plots(page: Page, site: Site) -> None:
    await sign_up(page, site, "quinn")
    await create_project(page, "Programmes 2017")
    await upload(page, "programmes.csv", programme_export())
    await upload(page, "programmes.qsf", programme_qsf())

    # The file page reads the export with its survey definition and marks the left-out rows.
    files = page.locator("#files")
    await files.get_by_role("link", name="programmes.csv", exact=True).click()
    await expect(page.get_by_role("heading", level=1, name="programmes.csv")).to_be_visible()
    await expect(page.locator("#survey-definition")).to_contain_text("programmes.qsf")
    rows = page.locator("#preview-table tbody tr")
    await expect(rows).to_have_count(len(responses()))
    for index, response in enumerate(responses()):
        mark = rows.nth(index).locator(".row-mark")
        if response["Status"] == "1" or response["DistributionChannel"] == "preview":
            await expect(mark).to_have_text("Left out: survey preview")
        elif response["Status"] == "2":
            await expect(mark).to_have_text("Left out: test response")
        elif response["Finished"] == "0":
            await expect(mark).to_contain_text("Unfinished")
        else:
            await expect(mark).to_have_text("Kept")
    await expect(page.locator("#left-out-summary")).to_contain_text(
        "leaves out 2 survey previews and 1 test response"
    )
    await expect(page.get_by_label("Value labels of Q1")).to_contain_text("1 = Psychology")
    await check_page(page, "file-qualtrics-with-qsf")

    # "Use in notebook" adds the import cell with the .qsf filled in.
    use = page.locator("#use")
    await use.get_by_label("Notebook", exact=True).select_option("new")
    await use.get_by_label("Title of a new notebook").fill("Programmes")
    await use.get_by_role("button", name="Add to notebook").click()
    await expect(page).to_have_url(re.compile(r"/notebooks/[^/?#]+\?notice=cell-added"))
    cells = page.locator("article.cell")
    await expect(cells).to_have_count(1)
    await expect(cells.nth(0).get_by_label("Survey definition (.qsf)")).to_have_value(
        "data/programmes.qsf"
    )

    await add_template_cell(page, "after cell 1", "frequency", "Frequency table")
    form = page.locator("#new-cell-form")
    await choose_column(form, "Column", "Q1")
    await form.get_by_role("button", name="Add the cell").click()
    await expect(cells).to_have_count(2)
    await add_template_cell(page, "after cell 2", "box", "Box plot")
    await choose_column(form, "Values", DURATION)
    await choose_column(form, "Groups", "Q1")
    await form.get_by_role("button", name="Add the cell").click()
    await expect(cells).to_have_count(3)

    await page.get_by_role("button", name="Run all").click()
    # The first run starts Jupyter.
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text(
        "Dropped 3 of 11 rows (2 survey previews, 1 test responses); 8 left.", timeout=90_000
    )
    table = cells.nth(1).locator(".output-table table")
    await expect(table).to_be_visible(timeout=30_000)
    names = list(PROGRAMMES.values())
    for name in names:
        await expect(table).to_contain_text(name)
    counts = dict.fromkeys(names, 0)
    for row in kept(responses()):
        counts[PROGRAMMES[int(row["Q1"])]] += 1
    first = table.locator("tbody tr").first
    await expect(first.locator("th")).to_have_text(names[0])
    await expect(first.locator("td").first).to_have_text(str(counts[names[0]]))

    # The figure's text is read from its drawn axes: the box names, in the labels' order.
    figure = cells.nth(2).locator("img.output-image")
    await expect(figure).to_be_visible(timeout=30_000)
    shown = ", ".join(f"{name} (n = {counts[name]})" for name in names if counts[name])
    await expect(figure).to_have_attribute("alt", re.compile(re.escape(shown)))
    await check_page(page, "notebook-labelled-outputs")
