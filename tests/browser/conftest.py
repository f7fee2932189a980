"""Browser tests: the real `datadive serve` in a subprocess, driven by Debian's Chromium
through Playwright (no `playwright install`: the browser comes from `.ci/run`).

Each test module starts one server with its own data folder (mails land in its outbox) and
one browser; each test gets a fresh browser context at a laptop's 1366x768.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.browser.support import CHROMIUM, LAUNCH_ARGS, WATCHES, Site, watch_console
from tests.support.cli import serving


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run the browser tests)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    folder = tmp_path_factory.mktemp("site")
    data_dir = folder / "data"
    env = {"DATADIVE_DATA_DIR": str(data_dir)}
    with serving(folder, env) as served:
        yield Site(url=served.url, outbox=data_dir / "outbox", output=served.output)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(site: Site) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, site: Site) -> AsyncIterator[Page]:
    """A fresh browser (no cookies) at 1366x768; any script error or refused resource on
    a page fails the test."""
    context = await browser.new_context(
        base_url=site.url, viewport={"width": 1366, "height": 768}, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    new_page = await context.new_page()
    problems = watch_console(new_page)
    try:
        yield new_page
    finally:
        await context.close()
        WATCHES.pop(new_page, None)
    assert problems == [], f"the browser reported problems: {problems}"
