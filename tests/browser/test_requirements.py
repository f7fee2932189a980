"""A project's requirements.txt in a real browser: dropped on the files panel, installed when a
cell first runs (the workspace says "Installing … from requirements.txt…"), a misspelt package
shown as the run's error with its line, and the corrected file used on the next run. Real pip,
offline, from a folder with one test wheel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import Site, sign_up
from tests.browser.test_files import drop_file
from tests.browser.test_projects import create_project
from tests.support.cli import serving
from tests.support.wheels import GREETING, PACKAGE, build_wheel, offline_pip

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

RECORD_STATUS = """() => {
    window.__statuses = [];
    const status = document.getElementById("live-status");
    new MutationObserver(() => window.__statuses.push(status.textContent))
        .observe(status, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("site")
    data_dir = folder / "data"
    env = {
        "DATADIVE_DATA_DIR": str(data_dir),
        "DATADIVE_PIP_NO_INDEX": "true",
        "DATADIVE_PIP_FIND_LINKS": str(build_wheel(folder / "wheels").parent),
    }
    with offline_pip(), serving(folder, env) as served:
        yield Site(url=served.url, outbox=data_dir / "outbox", output=served.output)


async def run_first_cell(page: Page) -> None:
    await page.evaluate(RECORD_STATUS)
    await page.locator("article.cell").nth(0).get_by_role("button", name="Run cell 1").click()


async def test_a_misspelt_package_is_named_and_the_corrected_file_runs(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "pia")
    await create_project(page, "Reaction times")
    project_url = page.url
    await drop_file(page, "requirements.txt", f"{PACKAGE}\npandaz\n")
    files = page.locator("#files")
    await expect(files.get_by_role("link", name="requirements.txt", exact=True)).to_be_visible()

    notebooks = page.locator("#notebooks")
    await notebooks.get_by_label("Notebook title").fill("Analysis")
    await notebooks.get_by_role("button", name="Create notebook").click()
    await notebooks.get_by_role("link", name="Analysis").click()
    notebook_url = page.url
    cells = page.locator("article.cell")
    await page.get_by_role("button", name="+ Code cell at the start").click()
    await (
        cells.nth(0)
        .get_by_label("Code of cell 1")
        .fill(f"import {PACKAGE}\nprint({PACKAGE}.GREETING)")
    )

    await run_first_cell(page)
    problem = "No package named 'pandaz' (requirements.txt line 2); check the spelling on pypi.org."
    toast = page.locator("li.toast:visible > p").filter(has_text=problem)
    await expect(toast).to_be_visible(timeout=60_000)
    shown = await page.evaluate("window.__statuses")
    assert "Installing 2 packages from requirements.txt…" in shown

    await page.goto(project_url)
    await drop_file(page, "requirements.txt", f"{PACKAGE}\n")
    await page.locator(".upload-item").nth(0).get_by_role("button", name="Replace it").click()
    await expect(page.locator(".upload-item .upload-message")).to_have_text("Uploaded.")

    await page.goto(notebook_url)
    await run_first_cell(page)
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text(GREETING, timeout=60_000)
    shown = await page.evaluate("window.__statuses")
    assert "Installing 1 package from requirements.txt…" in shown
