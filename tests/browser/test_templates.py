"""The template library in a real browser: browse and search, write a template while the
preview follows the typing, save it, find it in the library, and see a refused template come
back with the problem under its field; axe-core on the library and the editor."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import Site, check_page, field_error, sign_up

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

INPUTS = """- {name: data, type: dataframe, label: Table, default: df, required: true}
- {name: column, type: column, label: Column to scale, of: data, required: true}
- {name: spread, type: number, label: Spread, default: 2.5, min: 0}
"""


async def test_a_template_is_written_with_a_live_preview_and_saved(page: Page, site: Site) -> None:
    await sign_up(page, site, "tess")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    await expect(page.get_by_role("heading", level=1, name="Templates")).to_be_visible()
    await expect(page.locator("#shelf-builtin")).to_be_visible()
    descriptives = page.get_by_role("link", name="Descriptive statistics", exact=True)
    await expect(descriptives).to_be_visible()
    await check_page(page, "template-library")

    await page.get_by_label("Search by title or description").fill("histo")
    await expect(page.locator("#template-list")).to_contain_text("1 template matching “histo”.")
    await expect(page.get_by_role("link", name="Histogram")).to_be_visible()
    await expect(descriptives).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"/templates\?q=histo"))

    await page.get_by_role("link", name="New template").click()
    form = page.locator("#template-form")
    preview = page.locator("#template-preview")
    await expect(preview).to_contain_text("Type the code to see the form")
    await form.get_by_label("Title").fill("Standardize a column")
    await form.get_by_label("Category").fill("Prepare")
    await form.get_by_label("Inputs").fill(INPUTS)
    code = form.get_by_label("Code")
    await code.fill("{{ data }}[{{ column }}]")
    # One input is not used yet: the preview says so, and the focus stays in the code.
    await expect(preview).to_contain_text("`spread` is never used in the code")
    await expect(code).to_be_focused()
    await code.press("End")
    await code.press_sequentially(" / {{ spread }}")
    await expect(preview.locator("#preview-code")).to_have_text("df['a column'] / 2.5")
    await expect(preview.get_by_label("Spread")).to_have_value("2.5")
    await expect(preview.get_by_label("Table")).to_have_value("df")
    await expect(code).to_be_focused()
    await expect(code).to_have_value("{{ data }}[{{ column }}] / {{ spread }}")
    await check_page(page, "template-new")

    await form.get_by_role("button", name="Save template").click()
    await expect(page.locator("main .notice")).to_contain_text("saved")
    own = page.get_by_role("region", name="Your templates")
    await own.get_by_role("link", name="Standardize a column").click()
    await expect(
        page.get_by_role("heading", level=1, name="Edit “Standardize a column”")
    ).to_be_visible()
    await expect(preview.locator("#preview-code")).to_have_text("df['a column'] / 2.5")
    await check_page(page, "template-edit")

    # A refused template comes back with the problem under the field and the text kept.
    await code.fill("{{ data.columns }} / {{ spread }} {{ column }}")
    await expect(preview).to_contain_text("attribute access")
    await page.get_by_role("button", name="Save a new version").click()
    await expect(field_error(page, "template-code")).to_contain_text("attribute access")
    await expect(code).to_have_value("{{ data.columns }} / {{ spread }} {{ column }}")
    await expect(code).to_have_attribute("aria-invalid", "true")
    await expect(code).to_be_focused()
    await check_page(page, "template-edit-refused")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    await expect(own.get_by_role("link", name="Standardize a column")).to_be_visible()
    await page.get_by_label("Category").select_option("Prepare")
    await expect(page.locator("#template-list")).to_contain_text("in Prepare.")
    await expect(page.get_by_role("link", name="Histogram")).to_have_count(0)
    await expect(own.get_by_role("link", name="Standardize a column")).to_be_visible()
    await check_page(page, "template-library-own")
