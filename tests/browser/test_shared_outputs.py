"""SECURITY.md check 17 in a real browser, for another member: the owner's kernel displays
HTML, SVG, JavaScript and a table that each try to run script; a viewer opens the notebook in
Chromium, and nothing of it runs in Datadive's page."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.support import WATCHES, Site, sign_up
from tests.support.accounts import new_user

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

HOSTILE = """from IPython.display import HTML, SVG, Javascript, display
display(HTML('<b id="bold">kernel html</b><script>window.parent.__pwned = 1</script>'
             '<img src=x onerror="window.parent.__pwned = 2">'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" '
            'onload="window.parent.__pwned = 3"><script>window.parent.__pwned = 4</script>'
            '<rect width="20" height="20"/></svg>'))
display(Javascript('window.__pwned = 5'))
display(HTML('<table><tr><td id="cell">4.2<img src=x onerror="window.__pwned = 6">'
             '<script>window.__pwned = 7</script></td></tr></table>'))"""


async def owner_runs_hostile_outputs(site: Site, viewer: str) -> str:
    """The owner, as a script would: sign up, confirm, share a project with `viewer`, run a
    cell whose outputs try to run script. Returns the notebook's page."""
    async with httpx.AsyncClient(
        base_url=site.url, headers={"Origin": site.url}, timeout=180
    ) as owner:
        assert (await owner.post("/api/v1/auth/sign-up", json=new_user("amara"))).is_success
        code = site.latest_code("amara@example.org")
        verified = await owner.post("/api/v1/auth/verify-email", json={"code": code})
        assert verified.is_success, verified.text
        project = (await owner.post("/api/v1/projects", json={"title": "Shared"})).json()
        added = await owner.post(
            f"/api/v1/projects/{project['id']}/members", json={"user": viewer, "role": "viewer"}
        )
        assert added.is_success, added.text
        notebook = (
            await owner.post(f"/api/v1/projects/{project['id']}/notebooks", json={"title": "Out"})
        ).json()
        cell = (
            await owner.post(
                f"/api/v1/notebooks/{notebook['id']}/cells",
                json={"kind": "code", "source": HOSTILE},
            )
        ).json()
        ran = await owner.post(f"/api/v1/cells/{cell['id']}/execute", params={"wait": 150})
        assert ran.json()["status"] == "ok", ran.text
        assert len(ran.json()["cells"][0]["outputs"]) == 4
    return f"/notebooks/{notebook['id']}"


async def test_a_viewer_sees_hostile_outputs_without_any_of_their_script_running(
    page: Page, site: Site
) -> None:
    await sign_up(page, site, "bruno")
    notebook = await owner_runs_hostile_outputs(site, "bruno")

    await page.goto(notebook)

    outputs = page.locator("article.cell .cell-outputs")
    frame = outputs.locator("iframe.output-html")
    await expect(frame).to_have_attribute("sandbox", "")
    await expect(frame.content_frame.locator("#bold")).to_have_text("kernel html")
    figure = outputs.locator("img.output-image")
    await expect(figure).to_be_visible()
    assert (await figure.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    await expect(outputs).to_contain_text("<IPython.core.display.Javascript object>")
    await expect(outputs.locator("table td")).to_contain_text("4.2")
    assert await outputs.locator("table img, table script").count() == 0
    await page.wait_for_load_state("load")  # the frame and every image have loaded or failed
    assert await page.evaluate("() => window.__pwned") is None

    # The frame's sandbox refused its script: expected, and only inside that frame.
    watch = WATCHES[page]
    in_frame = re.compile(rf"'url': '{re.escape(site.url)}/cells/[\w-]+/outputs/\d+'")
    refused = [problem for problem in watch.problems if in_frame.search(problem)]
    assert any("Blocked script execution" in p for p in refused)
    watch.problems[:] = [problem for problem in watch.problems if problem not in refused]
