"""Column pickers in a real browser, keyboard only: a Qualtrics export is uploaded and loaded
by its import cell (nothing runs: the columns and question texts come from the file's
profile); columns are chosen by typing part of a question text, the arrow keys and Enter; a
multi-select is reordered and trimmed by keyboard; the cells' code names the chosen columns;
a typo is refused naming the closest column; a number outside the data is warned about;
axe-core finds nothing serious."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.support import Site, check_page, sign_up
from tests.browser.test_files import drop_file
from tests.browser.test_projects import create_project
from tests.files.survey_files import write_export
from tests.support.column_pickers import RANGED

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def open_add_form(page: Page, after: str, search: str, title: str) -> Locator:
    """The add-cell form of a template, reached by keyboard from the notebook."""
    await page.get_by_role("link", name=f"+ Template cell {after}").focus()
    await page.keyboard.press("Enter")
    await page.get_by_label("Search the templates").focus()
    await page.keyboard.type(search)
    await page.keyboard.press("Enter")
    await page.get_by_role("link", name=title).focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1, name=f"Add “{title}”")).to_be_visible()
    return page.locator("#new-cell-form")


async def choose(page: Page, box: Locator, typed: str, expected: str) -> None:
    """Type part of a question text, go down to the first match, press Enter."""
    await box.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type(typed)
    listbox = page.locator(f"#{await box.get_attribute('aria-controls')}")
    await expect(listbox).to_be_visible()
    await expect(listbox.get_by_role("option").first).to_contain_text(expected)
    await page.keyboard.press("ArrowDown")
    active = await box.get_attribute("aria-activedescendant")
    await expect(page.locator(f"#{active}")).to_contain_text(expected)
    await page.keyboard.press("Enter")


async def cell_code(cell: Locator) -> str:
    await cell.locator("summary", has_text="Code").click()
    return await cell.locator("pre.code-view").inner_text()


async def test_columns_are_chosen_by_question_text_with_the_keyboard(
    page: Page, site: Site, tmp_path: Path
) -> None:
    await sign_up(page, site, "picker")
    await create_project(page, "Habits")
    export = write_export(tmp_path / "habits.csv").read_text(encoding="utf-8-sig")
    await drop_file(page, "habits.csv", export)
    await expect(
        page.locator("#files").get_by_role("link", name="habits.csv", exact=True)
    ).to_be_visible()
    await page.locator("#files").get_by_role("link", name="habits.csv", exact=True).click()
    use = page.locator("#use")
    await use.get_by_label("Notebook", exact=True).select_option("new")
    await use.get_by_label("Title of a new notebook").fill("Analysis")
    await use.get_by_role("button", name="Add to notebook").click()
    await expect(page.get_by_role("heading", level=1, name="Analysis")).to_be_visible()
    cells = page.locator("article.cell")
    await expect(cells).to_have_count(1)

    # One column: type part of the question, down arrow, Enter; Enter again adds the cell.
    form = await open_add_form(page, "after cell 1", "frequ", "Frequency table")
    column = form.get_by_role("combobox", name="Column")
    await choose(page, column, "hear of", "How did you hear of us?")
    await expect(column).to_have_value("Q2")
    await expect(column).to_have_attribute("aria-expanded", "false")
    note = form.locator(".colpick-note").first
    await expect(note).to_contain_text("Q2 chosen.")
    await check_page(page, "column-picker-add-form")
    await column.focus()
    await page.keyboard.press("Enter")
    await expect(cells).to_have_count(2)

    # Several columns, in order: pick two, move the second up, pick and remove a third.
    form = await open_add_form(page, "after cell 2", "scale score", "Scale score")
    items = form.get_by_role("combobox", name="Items")
    await choose(page, items, "sleep", "I sleep well")
    await choose(page, items, "eat well", "I eat well")
    chosen = form.get_by_role("list", name="Chosen, in order")
    await expect(chosen.get_by_role("listitem")).to_have_count(2)
    await choose(page, items, "happy", "How happy are you?")
    listbox = form.get_by_role("listbox")
    await expect(listbox).to_be_visible()
    await check_page(page, "column-picker-open")
    await page.keyboard.press("Escape")
    await expect(listbox).to_be_hidden()
    # From the search box back to the chosen columns: Shift+Tab reaches the last one's buttons.
    await page.keyboard.press("Shift+Tab")
    await expect(form.get_by_role("button", name="Remove Q6_1")).to_be_focused()
    await page.keyboard.press("Delete")
    await expect(chosen.get_by_role("listitem")).to_have_count(2)
    await expect(form.get_by_role("button", name="Remove Q4_2")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Shift+Tab")
    await expect(form.get_by_role("button", name="Move Q4_2 up")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(chosen.get_by_role("listitem")).to_have_text(
        [re.compile("^Q4_2"), re.compile("^Q4_1")]
    )
    await expect(form.get_by_role("button", name="Move Q4_2 up")).to_be_focused()
    await expect(form.locator(".colpick-note").first).to_contain_text(
        "Q4_2 moved to number 1 of 2."
    )
    await form.get_by_role("button", name="Add the cell").focus()
    await page.keyboard.press("Enter")
    await expect(cells).to_have_count(3)

    assert "'Q2'" in await cell_code(cells.nth(1))
    assert "[['Q4_2', 'Q4_1']]" in await cell_code(cells.nth(2))

    # A cell's own form: the picker shows what is chosen, Backspace removes the last.
    scores = cells.nth(2)
    chosen = scores.get_by_role("list", name="Chosen, in order")
    await expect(chosen.get_by_role("listitem")).to_have_text(
        [re.compile("^Q4_2"), re.compile("^Q4_1")]
    )
    search = scores.get_by_role("combobox", name="Items")
    await search.focus()
    await page.keyboard.press("Backspace")
    await expect(chosen.get_by_role("listitem")).to_have_count(1)
    await scores.get_by_role("button", name="Apply the form of cell 3").focus()
    await page.keyboard.press("Enter")
    await expect(
        page.get_by_role("status").filter(has_text="The form was applied.")
    ).to_be_visible()
    await page.reload()
    code = await cell_code(cells.nth(2))
    assert "[['Q4_2']]" in code

    # A typo is refused when the form is applied, naming the closest column.
    frequency = cells.nth(1)
    column = frequency.get_by_role("combobox", name="Column")
    await column.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Q22")
    await page.keyboard.press("Escape")
    await frequency.get_by_role("button", name="Apply the form of cell 2").focus()
    await page.keyboard.press("Enter")
    error = frequency.locator(".field-error")
    await expect(error).to_have_text("⚠ There is no column 'Q22' in df. Did you mean 'Q2'?")
    await expect(frequency.get_by_role("combobox", name="Column")).to_have_value("Q22")
    await check_page(page, "column-picker-refused")

    # A number outside the data gets a warning next to it, and the form still applies.
    made = await page.request.post(
        "/api/v1/cell-templates", data=RANGED, headers={"Origin": site.url}
    )
    assert made.status == 201, await made.text()
    form = await open_add_form(page, "after cell 1", "Reverse an item", "Reverse an item")
    await choose(page, form.get_by_role("combobox", name="Column"), "sleep", "I sleep well")
    highest = form.get_by_label("Highest answer")
    await highest.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("100")
    await page.keyboard.press("Tab")
    warning = form.locator("#new-in-scale_max-warning")
    await expect(warning).to_have_text(
        "⚠ Highest answer is 100, but Q4_1 in df holds values from 1 to 5 only."
    )
    await check_page(page, "column-picker-warning")
    await highest.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.type("5")
    await page.keyboard.press("Tab")
    await expect(warning).to_have_text("")
    await form.get_by_role("button", name="Add the cell").focus()
    await page.keyboard.press("Enter")
    await expect(cells).to_have_count(4)
