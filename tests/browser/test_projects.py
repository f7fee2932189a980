"""Project pages in a real browser: create, search, rename, archive, notebooks, delete with
confirmation and restore; members managed by the owner; cross-site posts refused."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.browser.support import Site, check_page, field_error, screenshot, sign_up

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]


async def create_project(page: Page, title: str, description: str = "") -> None:
    await page.goto("/projects")
    form = page.locator("#new-project-form")
    await form.get_by_label("Title").fill(title)
    await form.get_by_label("Description").fill(description)
    await form.get_by_role("button", name="Create project").click()
    await expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


async def test_a_project_and_its_notebooks_from_creation_to_deletion(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "olivia")
    form = page.locator("#new-project-form")
    await form.get_by_label("Title").fill("   ")  # passes the browser's check, not ours
    await form.get_by_label("Description").fill("Typed text stays")
    await form.get_by_role("button", name="Create project").click()
    await expect(field_error(page, "new-project-title")).to_contain_text("Title is required.")
    await expect(form.get_by_label("Description")).to_have_value("Typed text stays")

    await form.get_by_label("Title").fill("Pilot study")
    await form.get_by_role("button", name="Create project").click()
    await expect(page.get_by_role("heading", level=1, name="Pilot study")).to_be_visible()
    await expect(page.locator("#files")).to_contain_text("No files yet")
    await expect(page.locator("#server")).to_contain_text("Not running")

    notebooks = page.locator("#notebooks")
    await notebooks.get_by_label("Notebook title").fill("Analysis")
    await notebooks.get_by_role("button", name="Create notebook").click()
    await expect(page.get_by_role("status").filter(has_text="created")).to_be_visible()
    await expect(notebooks.get_by_role("link", name="Analysis")).to_be_visible()
    await check_page(page, "project")

    await notebooks.locator("summary", has_text="Rename").click()
    rename = notebooks.get_by_label("New title")
    await rename.fill("  ")
    await notebooks.get_by_role("button", name="Rename").click()
    await expect(notebooks.locator(".field-error")).to_contain_text("New title is required.")
    await expect(notebooks.get_by_label("New title")).to_be_focused()
    await notebooks.get_by_label("New title").fill("Main analysis")
    await notebooks.get_by_role("button", name="Rename").click()
    await expect(notebooks.get_by_role("link", name="Main analysis")).to_be_visible()

    # Cells come from the API until the notebook workspace exists.
    notebook_path = await notebooks.get_by_role("link", name="Main analysis").get_attribute("href")
    assert notebook_path is not None
    for cell in (
        {"kind": "markdown", "source": "# Pilot data"},
        {"kind": "code", "source": "x = 2"},
    ):
        added = await page.request.post(
            f"/api/v1{notebook_path}/cells", data=cell, headers={"Origin": site.url}
        )
        assert added.status == 201, await added.text()
    await notebooks.get_by_role("link", name="Main analysis").click()
    await expect(page.get_by_role("heading", level=1, name="Main analysis")).to_be_visible()
    rows = page.locator("article.cell")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("# Pilot data")
    await expect(rows.nth(1)).to_contain_text("x = 2")
    await expect(rows.nth(1)).to_contain_text("Code")
    await check_page(page, "notebook")
    await (
        page.get_by_role("navigation", name="Breadcrumb")
        .get_by_role("link", name="Pilot study")
        .click()
    )

    settings = page.locator("#settings")
    await settings.get_by_label("Title").fill("Pilot study 2026")
    await settings.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("heading", level=1, name="Pilot study 2026")).to_be_visible()

    await page.get_by_role("button", name="Archive project").click()
    await expect(page.locator("main .notice").first).to_contain_text("archived")
    await expect(page.get_by_role("button", name="Create notebook")).to_have_count(0)
    await check_page(page, "project-archived")
    await page.get_by_role("button", name="Unarchive").click()
    await expect(page.get_by_role("button", name="Create notebook")).to_be_visible()

    await notebooks.locator("summary", has_text="Delete").click()
    await notebooks.get_by_role("button", name="Delete notebook").click()
    await expect(notebooks.get_by_text("No notebooks yet.")).to_be_visible()

    await page.get_by_role("link", name="Delete project…").click()
    await check_page(page, "project-delete")
    await page.get_by_label("Project title").fill("Pilot")
    await page.get_by_role("button", name="Delete project").click()
    await expect(field_error(page, "confirm_title")).to_contain_text("does not match")
    await expect(page.get_by_label("Project title")).to_have_value("Pilot")
    await page.get_by_label("Project title").fill("Pilot study 2026")
    await page.get_by_role("button", name="Delete project").click()

    await expect(page.get_by_role("status").filter(has_text="was deleted")).to_be_visible()
    await expect(page.locator("#project-list")).to_contain_text("no projects yet")
    await check_page(page, "projects-deleted")
    await page.get_by_role("button", name="Restore “Pilot study 2026”").click()
    await expect(page.get_by_role("heading", level=1, name="Pilot study 2026")).to_be_visible()
    await expect(page.locator("main .notice").first).to_contain_text("restored")


async def test_the_project_list_searches_as_you_type(page: Page, site: Site) -> None:
    await sign_up(page, site, "searcher")
    await create_project(page, "Wellbeing survey", "Second wave")
    await create_project(page, "Reaction times")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    rows = page.locator("#project-list tbody tr")
    await expect(rows).to_have_count(2)
    await check_page(page, "projects")

    await page.get_by_label("Search projects by title").fill("wellbeing")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Wellbeing survey")
    await expect(page).to_have_url(re.compile(r"q=wellbeing"))
    await page.get_by_label("Search projects by title").fill("nothing like this")
    await expect(page.locator("#project-list")).to_contain_text("No project has")


async def test_buttons_are_disabled_with_a_spinner_while_a_request_is_pending(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "patient")
    await create_project(page, "Slow network")
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route("**/projects/*/notebooks", hold)
    notebooks = page.locator("#notebooks")
    await notebooks.get_by_label("Notebook title").fill("Waiting")
    button = notebooks.get_by_role("button", name="Create notebook")
    await button.click()
    await expect(button).to_be_disabled()
    await expect(button.locator(".spinner")).to_be_visible()
    await screenshot(page, "pending-request")
    release.set()
    await expect(notebooks.get_by_role("link", name="Waiting")).to_be_visible()
    await expect(notebooks.get_by_role("button", name="Create notebook")).to_be_enabled()


async def test_the_owner_adds_changes_and_removes_members(
    browser: Browser, page: Page, site: Site
) -> None:
    colleague_context = await browser.new_context(
        base_url=site.url, viewport={"width": 1366, "height": 768}
    )
    colleague = await colleague_context.new_page()
    try:
        await sign_up(colleague, site, "bruno")
        await sign_up(page, site, "amara")
        await create_project(page, "Shared study")
        project_url = page.url
        members = page.locator("#members")

        await members.get_by_label("Username or email").fill("nobody-here")
        await members.get_by_role("button", name="Add member").click()
        await expect(field_error(page, "add-member-user")).to_contain_text("no account")
        await expect(members.get_by_label("Username or email")).to_have_value("nobody-here")

        await members.get_by_label("Username or email").fill("bruno@example.org")
        await members.get_by_label("Role", exact=True).select_option("viewer")
        await members.get_by_role("button", name="Add member").click()
        await expect(page.get_by_role("status").filter(has_text="bruno can now")).to_be_visible()
        bruno_row = members.locator("li", has_text="bruno")
        await expect(bruno_row).to_contain_text("Viewer")

        await colleague.goto(project_url)
        await expect(colleague.get_by_text("You are viewer")).to_be_visible()
        await expect(colleague.get_by_role("button", name="Create notebook")).to_have_count(0)
        await expect(colleague.get_by_role("button", name="Add member")).to_have_count(0)
        await check_page(colleague, "project-as-viewer")

        await bruno_row.get_by_label("Role of bruno").select_option("editor")
        await bruno_row.get_by_role("button", name="Change role").click()
        await expect(members.locator("li", has_text="bruno")).to_contain_text("Editor")
        await check_page(page, "project-members")

        await colleague.reload()
        await expect(colleague.get_by_text("You are editor")).to_be_visible()
        await expect(colleague.get_by_role("button", name="Create notebook")).to_be_visible()
        await expect(colleague.get_by_role("button", name="Add member")).to_have_count(0)

        bruno_row = members.locator("li", has_text="bruno")
        await bruno_row.locator("summary", has_text="Remove").click()
        await bruno_row.get_by_role("button", name="Remove bruno").click()
        await expect(page.get_by_role("status").filter(has_text="removed")).to_be_visible()
        await expect(members.locator("li", has_text="bruno")).to_have_count(0)

        await colleague.reload()
        await expect(colleague.get_by_role("heading", name="Not found")).to_be_visible()
        await check_page(colleague, "not-found")
    finally:
        await colleague_context.close()


async def test_a_form_posted_from_another_site_is_refused(page: Page, site: Site) -> None:
    await sign_up(page, site, "targeted")
    attacker = (
        "<!doctype html><html lang=en><title>Win a prize</title><body>"
        f'<form id=f method=post action="{site.url}/projects">'
        '<input name=title value="Planted by another site"></form>'
        "<script>document.getElementById('f').submit()</script></body></html>"
    )

    async def serve_attacker(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=attacker)

    await page.route("http://attacker.example/**", serve_attacker)
    async with page.expect_response(f"{site.url}/projects") as answer:
        await page.goto("http://attacker.example/prize")
    assert (await answer.value).status == 403

    await page.goto("/projects")
    await expect(page.locator("#project-list")).to_contain_text("no projects yet")


async def test_pages_can_be_used_with_the_keyboard(page: Page, site: Site) -> None:
    await page.goto("/sign-in")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    await expect(skip).to_be_focused()
    outline = await skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()

    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Username or email")).to_be_focused()
