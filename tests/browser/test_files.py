"""Files in a real browser: a CSV dropped on the project page's files panel uploads with a
progress bar and is listed; a name clash offers to replace; the file page shows the preview;
"Use in notebook" adds the import cell."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import Site, check_page, sign_up
from tests.browser.test_projects import create_project

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

SCORES = "name;score;group\nMüller;1,5;a\nSchmidt;2,25;b\nWeber;;a\n"


async def drop_file(page: Page, name: str, text: str) -> None:
    """Drag a file from the desktop onto the files panel, as the browser would report it."""
    await page.locator("#upload-form").evaluate(
        """(zone, [name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, {type: "text/csv"}));
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {
                    bubbles: true, cancelable: true, dataTransfer: data,
                }));
            }
        }""",
        [name, text],
    )


async def test_a_dropped_csv_is_uploaded_listed_and_previewed(page: Page, site: Site) -> None:
    await sign_up(page, site, "uploader")
    await create_project(page, "Survey 2026")
    files = page.locator("#files")
    await expect(files).to_contain_text("No files yet")

    await drop_file(page, "scores.csv", SCORES)
    upload = page.locator(".upload-item").filter(has_text="scores.csv")
    await expect(upload.locator(".upload-message")).to_have_text("Uploaded.")
    await expect(upload.locator("progress")).to_have_attribute("value", "100")
    await expect(files.get_by_role("link", name="scores.csv", exact=True)).to_be_visible()
    await expect(files).to_contain_text("CSV")
    # The upload's status stays while the list is refreshed around it.
    await expect(upload).to_be_visible()

    await drop_file(page, "scores.csv", SCORES + "Klein;3;b\n")
    clash = page.locator(".upload-item").nth(1)
    await expect(clash).to_contain_text("There is already a file called “scores.csv”")
    await check_page(page, "project-files")
    await clash.get_by_role("button", name="Replace it").click()
    await expect(clash.locator(".upload-message")).to_have_text("Uploaded.")

    await files.get_by_role("link", name="scores.csv", exact=True).click()
    await expect(page.get_by_role("heading", level=1, name="scores.csv")).to_be_visible()
    table = page.locator("#preview-table")
    await expect(table.locator("tbody tr")).to_have_count(4)
    await expect(table.locator("tbody tr").first).to_contain_text("Müller")
    await expect(table.locator("tbody tr").first).to_contain_text("1.5")
    await expect(page.locator("#details")).to_contain_text("semicolon (;)")
    await expect(page.locator("#columns")).to_contain_text("Mean")
    await check_page(page, "file")

    use = page.locator("#use")
    await use.get_by_label("Notebook", exact=True).select_option("new")
    await use.get_by_label("Title of a new notebook").fill("Scores")
    await use.get_by_role("button", name="Add to notebook").click()
    await expect(page).to_have_url(re.compile(r"/notebooks/[^/?#]+\?notice=cell-added"))
    await expect(page.get_by_role("heading", level=1, name="Scores")).to_be_visible()
    await expect(page.locator("main .notice")).to_contain_text("has been added")
