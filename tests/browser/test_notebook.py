"""The notebook workspace in a real browser, on a real Jupyter server started by the app: add
cells, run them all, watch the outputs arrive, reload, reorder with the keyboard and by drag
and drop, pick columns offered by the kernel, delete a cell, download the script; kernel
output never runs script in Datadive's page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import WATCHES, Site, check_page, sign_up

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

WRITE_CSV = """import numpy as np
import pandas as pd
rng = np.random.default_rng(7)
df = pd.DataFrame({"group": ["a"] * 30 + ["b"] * 30,
                   "score": np.r_[rng.normal(10, 2, 30), rng.normal(13, 2, 30)]})
df.to_csv("scores.csv", index=False)
df = pd.read_csv("scores.csv")
print("rows:", len(df))"""

HOSTILE = """from IPython.display import HTML, display
display(HTML('<b id="bold">kernel html</b><script>window.parent.__pwned = 1</script>'
             '<img src=x onerror="window.parent.__pwned = 2">'))"""


async def add_code_cell(page: Page, after: str, code: str) -> None:
    cells = page.locator("article.cell")
    count = await cells.count()
    await page.get_by_role("button", name=f"+ Code cell {after}").click()
    await expect(cells).to_have_count(count + 1)
    new = cells.nth(count)
    # A new code cell opens with its editor shown and focused.
    editor = new.get_by_label(f"Code of cell {count + 1}")
    await expect(editor).to_be_focused()
    await editor.fill(code)
    await new.get_by_role("button", name=f"Save cell {count + 1}").click()
    await expect(page.get_by_role("status").filter(has_text="The code was saved.")).to_be_visible()


async def add_template_cell(page: Page, after: str, search: str, title: str) -> None:
    await page.get_by_role("link", name=f"+ Template cell {after}").click()
    await page.get_by_label("Search the templates").fill(search)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", level=1, name=f"Add “{title}”")).to_be_visible()


async def test_a_notebook_is_built_run_reloaded_and_reordered(page: Page, site: Site) -> None:
    await sign_up(page, site, "nora")
    await page.goto("/projects")
    form = page.locator("#new-project-form")
    await form.get_by_label("Title").fill("Sleep study")
    await form.get_by_role("button", name="Create project").click()
    notebooks = page.locator("#notebooks")
    await notebooks.get_by_label("Notebook title").fill("Analysis")
    await notebooks.get_by_role("button", name="Create notebook").click()
    await notebooks.get_by_role("link", name="Analysis").click()
    await expect(page.get_by_role("heading", level=1, name="Analysis")).to_be_visible()

    await add_code_cell(page, "at the start", WRITE_CSV)
    await add_template_cell(page, "after cell 1", "t-test", "Independent-samples t-test")
    form = page.locator("#new-cell-form")
    await expect(form.get_by_label("Table")).to_have_value("df")
    await form.get_by_label("Outcome (numeric)").fill("score")
    await form.get_by_label("Grouping column").fill("group")
    await form.get_by_role("button", name="Add the cell").click()
    await add_template_cell(page, "after cell 2", "histo", "Histogram")
    await form.get_by_label("Column").fill("score")
    await form.get_by_label("Number of bars").fill("12")
    await form.get_by_role("button", name="Add the cell").click()
    await expect(page.locator("article.cell")).to_have_count(3)
    # A changed form is kept as a draft while typing, shown again after a reload, applied.
    histogram = page.locator("article.cell").nth(2)
    await histogram.get_by_label("Number of bars").fill("15")
    await expect(page.locator("#live-status")).to_have_text("Draft saved.")
    await page.reload()
    await expect(histogram.get_by_label("Number of bars")).to_have_value("15")
    await expect(histogram).to_contain_text("Draft not applied yet.")
    await histogram.get_by_role("button", name="Apply the form of cell 3").click()
    await expect(
        page.get_by_role("status").filter(has_text="The form was applied.")
    ).to_be_visible()
    await expect(histogram).not_to_contain_text("Draft not applied yet.")
    await histogram.locator("summary", has_text="Code").click()
    await expect(histogram.locator("pre.code-view")).to_contain_text("bins=15")
    # Folded again: folds stay as the person left them when cells are added.
    await histogram.locator("summary", has_text="Code").click()
    await add_code_cell(page, "after cell 3", HOSTILE)
    # Drag and drop by the handle: the last cell onto the top half of the one before, then
    # back onto the bottom half of the last. (Playwright's drag in Chromium fails when the
    # target must be scrolled to, and once sandboxed output frames are on the page; people
    # have neither problem.)
    cells = page.locator("article.cell")
    # Both cells in view, the target's top first (Playwright cannot drag to a scrolled target).
    await cells.nth(2).evaluate("(cell) => cell.scrollIntoView({block: 'start'})")
    await (
        cells.nth(3)
        .locator(".drag-handle")
        .drag_to(cells.nth(2), target_position={"x": 40, "y": 8})
    )
    moved = page.get_by_role("status").filter(has_text="Cell 4 was moved; it is now cell 3.")
    await expect(moved).to_be_visible()
    await expect(cells.nth(2).locator(".cell-title")).to_have_text("3. Code cell")
    await expect(cells.nth(3).locator(".cell-title")).to_have_text("4. Histogram")
    await page.reload()
    await cells.nth(2).locator("summary", has_text="Code").click()
    await expect(cells.nth(2).get_by_label("Code of cell 3")).to_have_value(HOSTILE)
    await cells.nth(2).locator("summary", has_text="Code").click()
    box = await cells.nth(3).bounding_box()
    assert box is not None
    await (
        cells.nth(2)
        .locator(".drag-handle")
        .drag_to(cells.nth(3), target_position={"x": 40, "y": box["height"] - 8})
    )
    back = page.get_by_role("status").filter(has_text="Cell 3 was moved; it is now cell 4.")
    await expect(back).to_be_visible()
    await expect(cells.nth(3).locator(".cell-title")).to_have_text("4. Code cell")
    await expect(cells.nth(2).locator(".cell-title")).to_have_text("3. Histogram")

    await page.get_by_role("button", name="Run all").click()
    # Outputs arrive over the event stream, without a reload; the first run starts Jupyter.
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text("rows: 60", timeout=60_000)
    result = cells.nth(1).locator(".output-table")
    # The analysis result: its APA tables (the first is the test's) and its write-up.
    await expect(result.locator("table").first).to_contain_text("Welch's t-test", timeout=30_000)
    await expect(result).to_contain_text("Assumption checks")
    figure = cells.nth(2).locator("img.output-image")
    await expect(figure).to_be_visible(timeout=30_000)
    assert (await figure.get_attribute("src") or "").startswith("data:image/png;base64,")
    frame = cells.nth(3).locator("iframe.output-html")
    await expect(frame).to_have_attribute("sandbox", "", timeout=30_000)
    await expect(frame.content_frame.locator("#bold")).to_have_text("kernel html")
    await expect(cells.nth(3).locator(".cell-status")).to_contain_text("Ok")
    assert await page.evaluate("() => window.__pwned") is None

    await page.reload()
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text("rows: 60")
    await expect(result.locator("table").first).to_contain_text("Welch's t-test")
    await expect(cells.nth(2).locator("img.output-image")).to_be_visible()
    assert await page.evaluate("() => window.__pwned") is None
    await check_page(page, "notebook-after-run")
    jupyterlab = page.get_by_role("link", name="Open in JupyterLab")
    handoff = await page.request.get(await jupyterlab.get_attribute("href") or "", max_redirects=0)
    assert handoff.status == 303
    login = urlsplit(handoff.headers["location"])
    assert parse_qs(login.query)["next"] == ["/lab/tree/analysis.ipynb"]

    # Keyboard only: focus "Move down" on the t-test cell and press Enter.
    await cells.nth(1).get_by_role("button", name="Move down").focus()
    await page.keyboard.press("Enter")
    await expect(cells.nth(2).locator(".cell-title")).to_contain_text("t-test")
    await expect(cells.nth(1).locator("img.output-image")).to_be_visible()
    await expect(cells.nth(2).get_by_role("button", name="Move down")).to_be_focused()
    await page.reload()
    await expect(cells.nth(2).locator(".cell-title")).to_contain_text("t-test")
    await expect(cells.nth(1).locator(".cell-title")).to_contain_text("Histogram")

    # Column fields offer the columns of their table, asked from the running kernel (only
    # those of the levels the input accepts: tests/browser/test_column_pickers.py).
    histogram = cells.filter(has=page.locator(".cell-title", has_text="Histogram"))
    await histogram.get_by_role("combobox", name="Column").focus()
    await page.keyboard.press("ArrowDown")
    await expect(histogram.get_by_role("option", name=re.compile("^score"))).to_be_visible()
    names = await histogram.locator(".colpick-name").all_inner_texts()
    assert set(names) <= {"group", "score"}
    await page.keyboard.press("Escape")

    # Delete the HTML cell, keyboard only: open the confirmation, then confirm.
    await cells.nth(3).locator("summary", has_text="Delete").focus()
    await page.keyboard.press("Enter")
    confirm = cells.nth(3).get_by_role("button", name="Delete cell 4")
    await expect(confirm).to_be_visible()
    await confirm.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status").filter(has_text="Cell 4 was deleted.")).to_be_visible()
    await expect(cells).to_have_count(3)
    # The focus goes to the cell before it, now the last one.
    await expect(cells.nth(2).locator(".cell-title")).to_be_focused()

    # The exported script holds the cells' code in their order.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download .py").click()
    download = await downloading.value
    assert download.suggested_filename == "analysis.py"
    script = Path(await download.path()).read_text(encoding="utf-8")
    assert "window.parent.__pwned" not in script
    headings = [line for line in script.splitlines() if line.startswith("# %%")]
    assert headings == [
        "# %% 1. Code",
        "# %% 2. Histogram",
        "# %% 3. Independent-samples t-test",
    ]
    assert script.index(WRITE_CSV) < script.index("bins=15") < script.index("independent_t(")

    # The project page stops the server that the run started.
    await page.get_by_role("link", name="Sleep study").click()
    server = page.locator("#server")
    await expect(server).to_contain_text("Running")
    await server.get_by_role("button", name="Stop the server").click()
    await expect(server).to_contain_text("Not running")
    await expect(server.get_by_role("button", name="Start the server")).to_be_visible()

    # The kernel's <script>, onerror and <img src=x> were in the output; the frame's sandbox and
    # its own policy refused them. Those refusals, inside the output's frame, are the expected
    # ones; the page watcher counts any other console error (any CSP refusal) as a failure.
    watch = WATCHES[page]
    frame = re.compile(rf"'url': '{re.escape(site.url)}/cells/[\w-]+/outputs/\d+'")
    refused = [problem for problem in watch.problems if frame.search(problem)]
    assert any("Blocked script execution" in p and "allow-scripts" in p for p in refused)
    assert all("Blocked script execution" in p or '"img-src data:"' in p for p in refused)
    watch.problems[:] = [problem for problem in watch.problems if problem not in refused]


async def test_code_typed_and_run_at_once_is_the_code_that_runs(page: Page, site: Site) -> None:
    """Type into a new code cell and press its Run button straight away: its own output
    appears (the run used the code saved before the edit: none, and showed an empty `Ok`);
    then the same after editing it."""
    await sign_up(page, site, "rita")
    await page.goto("/projects")
    await page.locator("#new-project-form").get_by_label("Title").fill("Pilot")
    await page.locator("#new-project-form").get_by_role("button", name="Create project").click()
    notebooks = page.locator("#notebooks")
    await notebooks.get_by_label("Notebook title").fill("First look")
    await notebooks.get_by_role("button", name="Create notebook").click()
    await notebooks.get_by_role("link", name="First look").click()

    cells = page.locator("article.cell")
    await page.get_by_role("button", name="+ Code cell at the start").click()
    await expect(cells).to_have_count(1)
    # A new code cell opens with its editor shown and focused.
    await expect(cells.nth(0).get_by_label("Code of cell 1")).to_be_focused()
    await cells.nth(0).get_by_label("Code of cell 1").fill("print('typed', 6 * 7)")
    await cells.nth(0).get_by_role("button", name="Run cell 1").click()
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text("typed 42", timeout=60_000)
    await expect(cells.nth(0).locator(".cell-status")).to_contain_text("Ok")

    await cells.nth(0).get_by_label("Code of cell 1").fill("x = 'edited'\nprint(x, 7 * 8)")
    await cells.nth(0).get_by_role("button", name="Run cell 1").click()
    await expect(cells.nth(0).locator(".cell-outputs")).to_contain_text("edited 56")
    await expect(cells.nth(0).locator(".cell-outputs")).not_to_contain_text("typed 42")

    # A cell refreshed with the same outputs keeps its HTML output's frame as it is (it
    # loaded again, blank for a moment, on every refresh).
    await page.get_by_role("button", name="+ Code cell after cell 1").click()
    await expect(cells).to_have_count(2)
    await (
        cells.nth(1)
        .get_by_label("Code of cell 2")
        .fill("from IPython.display import HTML\nHTML(f'<b>{x}</b>')")
    )
    await cells.nth(1).get_by_role("button", name="Run cell 2").click()
    frame = cells.nth(1).locator("iframe.output-html")
    await expect(frame.content_frame.locator("b")).to_have_text("edited", timeout=30_000)
    loads: list[str] = []
    page.on(
        "request", lambda request: loads.append(request.url) if "/outputs/" in request.url else None
    )
    await cells.nth(0).get_by_label("Code of cell 1").fill("x = 'again'\nprint(x, 7 * 8)")
    await cells.nth(0).get_by_role("button", name="Save cell 1").click()
    await expect(cells.nth(1).locator(".cell-status")).to_contain_text(
        "(cell 1 changed; run it again)"
    )
    await expect(frame.content_frame.locator("b")).to_have_text("edited")
    assert loads == []
