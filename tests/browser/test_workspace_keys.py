"""The notebook workspace from the keyboard and its feedback, in a real browser on a real
Jupyter server: Shift+Enter runs what is on screen and moves on, Ctrl+Enter runs in place,
Escape leaves the editor, `?` lists the keys; notifications stack (three at most, newest
first, errors stay); a failing cell explains itself with Python's report folded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import Site, check_page, sign_up
from tests.support.cells import template_id

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

RUN_TIMEOUT = 90_000  # the first run starts the project's Jupyter server


async def api(page: Page, site: Site, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Set-up through the JSON API with the page's session (the same Origin check applies)."""
    response = await page.request.post(f"/api/v1{path}", data=body, headers={"Origin": site.url})
    assert response.ok, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def new_notebook(page: Page, site: Site, name: str) -> str:
    await sign_up(page, site, name)
    project = await api(page, site, "/projects", {"title": "Keys"})
    notebook = await api(page, site, f"/projects/{project['id']}/notebooks", {"title": "Analysis"})
    return str(notebook["id"])


def cell(page: Page, number: int) -> Any:
    return page.locator("article.cell").nth(number - 1)


async def test_shift_enter_runs_what_is_typed_and_moves_on(page: Page, site: Site) -> None:
    notebook_id = await new_notebook(page, site, "kira")
    await page.goto(f"/notebooks/{notebook_id}")

    # A new code cell opens with its editor shown and focused: type at once.
    await page.get_by_role("button", name="+ Code cell at the start").click()
    await expect(cell(page, 1).get_by_label("Code of cell 1")).to_be_focused()
    await page.keyboard.type('print("second cell?")')
    # Typing `?` in the editor types it; the shortcuts dialog stays shut.
    await expect(page.get_by_role("dialog")).to_have_count(0)
    # Escape leaves the editor for its fold, which stays open.
    await page.keyboard.press("Escape")
    await expect(cell(page, 1).locator("summary", has_text="Code")).to_be_focused()
    await expect(cell(page, 1).get_by_label("Code of cell 1")).to_be_visible()

    # Another new cell above it; typed and run at once with Shift+Enter.
    await page.get_by_role("button", name="+ Code cell at the start").click()
    await expect(page.locator("article.cell")).to_have_count(2)
    await expect(cell(page, 1).get_by_label("Code of cell 1")).to_be_focused()
    await page.keyboard.type("answer = 6 * 7\nprint('answer is', answer)")
    await page.keyboard.press("Shift+Enter")
    # The focus moves to the next cell's editor at once, with what was typed there kept.
    second = cell(page, 2).get_by_label("Code of cell 2")
    await expect(second).to_be_focused()
    await expect(second).to_have_value('print("second cell?")')
    # The cell ran what was on screen: its own output, not an empty "Ok".
    outputs = cell(page, 1).locator(".cell-outputs")
    await expect(outputs).to_contain_text("answer is 42", timeout=RUN_TIMEOUT)

    # Ctrl+Enter runs the cell the focus is in and leaves the focus there.
    await page.keyboard.press("Control+Enter")
    await expect(cell(page, 2).locator(".cell-outputs")).to_contain_text(
        "second cell?", timeout=RUN_TIMEOUT
    )
    await expect(second).to_be_focused()
    # Both runs used what was typed: a reload shows it saved.
    await page.reload()
    await cell(page, 1).locator("summary", has_text="Code").click()
    await expect(cell(page, 1).get_by_label("Code of cell 1")).to_have_value(
        "answer = 6 * 7\nprint('answer is', answer)"
    )
    await expect(cell(page, 1).locator(".cell-outputs")).to_contain_text("answer is 42")


async def test_shift_enter_in_a_form_applies_it_runs_and_moves_on(page: Page, site: Site) -> None:
    notebook_id = await new_notebook(page, site, "leon")
    cells = f"/notebooks/{notebook_id}/cells"
    await api(page, site, cells, {"kind": "code", "source": LOAD_AGES})
    inputs = {"data": "df", "column": "age", "operator": ">=", "value": "18", "target": "adults"}
    await api(page, site, cells, {"kind": "template", "template_id": FILTER, "inputs": inputs})
    await api(page, site, cells, {"kind": "code", "source": "print(len(adults))"})
    await page.goto(f"/notebooks/{notebook_id}")
    await cell(page, 1).get_by_role("button", name="Run cell 1").click()
    await expect(cell(page, 1).locator(".cell-outputs")).to_contain_text(
        "5 rows", timeout=RUN_TIMEOUT
    )

    # Change the form and press Shift+Enter in it: the form as shown is applied, then run.
    value = cell(page, 2).get_by_label("Value")
    await value.fill("30")
    await value.press("Shift+Enter")
    await expect(cell(page, 2).locator(".cell-outputs")).to_contain_text(
        "2 of 5 rows kept", timeout=RUN_TIMEOUT
    )
    await expect(cell(page, 3).get_by_label("Code of cell 3")).to_be_focused()
    await page.reload()
    await expect(cell(page, 2).get_by_label("Value")).to_have_value("30")


async def test_the_help_dialog_lists_the_keys(page: Page, site: Site) -> None:
    notebook_id = await new_notebook(page, site, "mona")
    await page.goto(f"/notebooks/{notebook_id}")

    # `?` anywhere but in a field opens it; it lists the keys; Escape closes it.
    await page.get_by_role("heading", level=1, name="Analysis").click()
    await page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    await expect(dialog).to_be_visible()
    rows = dialog.get_by_role("row")
    await expect(rows).to_have_text(
        [
            re.compile("Keys\\s*What they do"),
            re.compile("Shift\\s*\\+\\s*Enter\\s*Run the cell and move to the next one"),
            re.compile("Ctrl\\s*\\+\\s*Enter.*Run the cell and stay in it"),
            re.compile("Esc\\s*Leave the code editor"),
        ]
    )
    await expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    await check_page(page, "notebook-keys-help")
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # The visible button opens it too, and the focus comes back to the button after.
    opener = page.get_by_role("button", name="Keyboard shortcuts")
    await opener.click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()
    await expect(opener).to_be_focused()


async def toast(page: Page, message: str, level: str = "info") -> None:
    """The event htmx fires for a server's `HX-Trigger: {"datadive:toast": …}`."""
    await page.evaluate(
        """([message, level]) => document.body.dispatchEvent(
            new CustomEvent("datadive:toast", {bubbles: true, detail: {message, level}}))""",
        [message, level],
    )


async def test_notifications_stack_three_at_most_newest_first_and_errors_stay(
    page: Page, site: Site
) -> None:
    notebook_id = await new_notebook(page, site, "nils")
    await page.goto(f"/notebooks/{notebook_id}")
    stack = page.get_by_role("region", name="Notifications")
    shown = stack.locator("li.toast:visible > p")

    # A real one from the server first.
    await page.get_by_role("button", name="Interrupt").click()
    await expect(shown).to_have_text(["The notebook has no running kernel."])
    await toast(page, "Two (an error)", "error")
    await toast(page, "Three")
    await toast(page, "Four")
    # Newest on top, three at most: the oldest confirmation made way.
    await expect(shown).to_have_text(["Four", "Three", "⚠ Two (an error)"])
    await expect(page.locator("#toasts-status")).not_to_contain_text("no running kernel")
    # Each is announced: confirmations politely, errors at once.
    await expect(page.locator("#toasts-status")).to_have_text(re.compile("Three.*Four"))
    await expect(page.locator("#toasts-alert")).to_have_text("Two (an error)")
    await check_page(page, "notebook-toasts")

    # Confirmations fade; the error stays until dismissed.
    await expect(shown).to_have_text(["⚠ Two (an error)"], timeout=20_000)
    await expect(page.locator("#toasts-status")).to_have_text("")
    await stack.get_by_role("button", name="Dismiss: Two (an error)").click()
    await expect(shown).to_have_count(0)
    await expect(page.locator("#toasts-alert")).to_have_text("")

    # Errors never make way: a fourth waits, counted, until one is dismissed.
    for number in range(1, 5):
        await toast(page, f"Error {number}", "error")
    await expect(shown).to_have_text(["⚠ Error 4", "⚠ Error 3", "⚠ Error 2"])
    await expect(stack).to_contain_text("1 more error; dismiss one to see it.")
    await stack.get_by_role("button", name="Dismiss: Error 3").click()
    await expect(shown).to_have_text(["⚠ Error 4", "⚠ Error 2", "⚠ Error 1"])
    await expect(stack.locator("#toasts-more")).to_be_hidden()


async def test_a_failing_cell_explains_itself_before_pythons_report(page: Page, site: Site) -> None:
    notebook_id = await new_notebook(page, site, "olga")
    cells = f"/notebooks/{notebook_id}/cells"
    await api(page, site, cells, {"kind": "code", "source": LOAD_AGES + '\ndf["agee"].mean()'})
    await page.goto(f"/notebooks/{notebook_id}")
    await cell(page, 1).get_by_role("button", name="Run cell 1").click()

    error = cell(page, 1).locator(".output-error")
    await expect(error).to_be_visible(timeout=RUN_TIMEOUT)
    await expect(error.locator(".output-error-title")).to_have_text(
        "⚠ The table has no column named agee."
    )
    await expect(error).to_contain_text("To fix it: Compare the name with the table's columns")
    await expect(error).to_contain_text('Python stopped at line 4: df["agee"].mean()')
    # Python's report is folded below the words; library steps are folded once more.
    report = error.locator("details.traceback")
    await expect(report.locator(":scope > pre").first).to_be_hidden()
    await report.locator(":scope > summary").click()
    await expect(report.locator(":scope > pre").first).to_be_visible()
    await expect(report).to_contain_text("Cell In[")
    library = report.locator("details.traceback-library").first
    await expect(library.locator("summary")).to_have_text(re.compile(r"\d+ steps inside pandas"))
    await expect(library.locator("pre")).to_be_hidden()
    await library.locator("summary").click()
    await expect(library.locator("pre")).to_contain_text("site-packages/pandas")
    await check_page(page, "notebook-error-explained")
    # Opened folds stay open when the cell is drawn again (here: a cell added elsewhere).
    await api(page, site, cells, {"kind": "code", "source": "1 + 1"})
    await expect(page.locator("article.cell")).to_have_count(2)
    await expect(report.locator(":scope > pre").first).to_be_visible()
    await expect(library.locator("pre")).to_be_visible()


LOAD_AGES = (
    "import pandas as pd\ndf = pd.DataFrame({'age': [15, 17, 18, 30, 45]})\nprint(len(df), 'rows')"
)
FILTER = template_id("filter-rows")
