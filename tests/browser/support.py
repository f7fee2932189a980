"""What browser tests share: launching Chromium, reading mail, checking pages with axe-core,
and saving screenshots for a person to look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import ConsoleMessage, Page, expect

from tests.support.accounts import PASSWORD
from tests.support.mail import code_in, outbox_messages, reset_token_in

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling hosts it cannot reach.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}
# Chromium logs every 4xx answer to a request; forms answered with 422 are expected here.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 4")
AXE_STYLE_REFUSED = re.compile(r"^Applying inline style violates")


@dataclass
class Site:
    url: str
    outbox: Path
    output: list[str] = field(default_factory=list)

    def mails_to(self, address: str) -> list[Any]:
        return [m for m in outbox_messages(self.outbox) if m["To"] == address]

    def latest_code(self, address: str) -> str:
        mails = [m for m in self.mails_to(address) if "code" in str(m["Subject"])]
        assert mails, f"no code was mailed to {address}"
        return code_in(mails[-1])

    def latest_reset_token(self, address: str) -> str:
        mails = [m for m in self.mails_to(address) if "Reset" in str(m["Subject"])]
        assert mails, f"no reset link was mailed to {address}"
        return reset_token_in(mails[-1])


class ConsoleWatch:
    """Script errors and console errors of a page and of its frames; a refusal by a
    Content-Security-Policy shows up here, and fails the test like any other.

    axe-core adds `<style>` elements while it loads and checks a page, which the page's CSP
    rightly refuses; those refusals are axe's, so they are not counted while axe runs (and
    only then: a page's own refusal before or after the check still counts).
    """

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.axe_running = False
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or EXPECTED_CONSOLE.search(message.text):
            return
        if self.axe_running and AXE_STYLE_REFUSED.search(message.text):
            return
        self.problems.append(f"{message.text} at {message.location}")


WATCHES: dict[Page, ConsoleWatch] = {}


def watch_console(page: Page) -> list[str]:
    WATCHES[page] = ConsoleWatch(page)
    return WATCHES[page].problems


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


async def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A/AA
    and best practices). Evaluated through the debugger, so the page's CSP does not block it."""
    watch = WATCHES.get(page)
    if watch is not None:
        watch.axe_running = True
    try:
        if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
            await page.evaluate(axe_source())
        violations: list[dict[str, Any]] = await page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
                }));
            }"""
        )
        # One more round trip, so that what axe logged has arrived while it is excused.
        await page.evaluate("() => new Promise((done) => requestAnimationFrame(done))")
    finally:
        if watch is not None:
            watch.axe_running = False
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # caret="initial": hiding the caret would inject a <style>, which the page's CSP refuses.
    await page.screenshot(path=path, full_page=True, caret="initial")
    return path


async def check_page(page: Page, name: str) -> None:
    """Every main page: no serious accessibility problem, and a screenshot to look at."""
    # Checked once htmx has finished swapping and settling, as a person would see it.
    await expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    await screenshot(page, name)
    violations = await accessibility_violations(page)
    assert violations == [], f"{name}: axe-core found {violations}"


def field_error(page: Page, field_id: str) -> Any:
    """The message shown under a field, announced with it."""
    return page.locator(f"#{field_id}-error")


async def sign_up(page: Page, site: Site, name: str, *, verify: bool = True) -> None:
    """A new account through the pages, confirmed with the code from the outbox."""
    await page.goto("/sign-up")
    await page.get_by_label("First name").fill(name.title())
    await page.get_by_label("Last name").fill("Tester")
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Email address").fill(f"{name}@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await expect(page).to_have_url(re.compile(r"/verify-email$"))
    if verify:
        await page.get_by_label("Code from the email").fill(site.latest_code(f"{name}@example.org"))
        await page.get_by_role("button", name="Confirm").click()
        await expect(page.locator("main .notice")).to_contain_text("confirmed")


async def sign_in(page: Page, login: str, password: str = PASSWORD) -> None:
    await page.goto("/sign-in")
    await page.get_by_label("Username or email").fill(login)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
