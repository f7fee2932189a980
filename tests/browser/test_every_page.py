"""Every page of Datadive in a real browser, signed out and signed in, with content on it
(a file, a template of one's own, a notebook whose cells printed a table, drew figures, showed
styled kernel HTML and failed): no page and no frame logs a Content-Security-Policy refusal or
any other console error, and axe-core finds no serious problem. Kernel HTML keeps its own
inline styles inside its sandboxed frame."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.support import WATCHES, Site, check_page, sign_up
from tests.support.cells import template_id

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

OUTPUTS = """import matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, SVG, display
df = pd.DataFrame({"group": ["a", "b", "a"], "score": [3.5, 4.0, 2.5]})
display(df)
display(df.style.format(precision=2))
plt.plot([1, 2, 3])
plt.show()
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
            '<style>rect { fill: rgb(0, 90, 0) }</style><rect width="40" height="20"/></svg>'))
display(HTML('<style>.note { color: rgb(160, 0, 0) }</style>'
             '<p class="note">styled</p><p id="inline" style="font-weight: 700">inline</p>'))"""
FAILS = 'df["scroe"].mean()'
TEMPLATE = {
    "slug": "double-it",
    "title": "Double a column",
    "category": "Prepare",
    "inputs": [
        {"name": "data", "type": "dataframe", "label": "Table", "default": "df"},
        {"name": "column", "type": "column", "label": "Column", "of": "data"},
    ],
    "code": "{{ data }}[{{ column }}] = {{ data }}[{{ column }}] * 2",
}


async def api(page: Page, site: Site, path: str, **options: Any) -> dict[str, Any]:
    """Set-up through the JSON API with the page's session (the same Origin check applies)."""
    response = await page.request.post(
        f"/api/v1{path}", headers={"Origin": site.url}, timeout=120_000, **options
    )
    assert response.ok, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def visit(page: Page, path: str, name: str) -> None:
    """Open a page, check it with axe-core, and fail at once, naming the page, on anything
    its console reported."""
    response = await page.goto(path)
    assert response is not None
    await check_page(page, f"every-page-{name}")
    problems = WATCHES[page].problems
    assert problems == [], f"{path}: {problems}"


async def test_no_page_logs_a_policy_refusal_or_an_error(page: Page, site: Site) -> None:
    for path, name in [
        ("/", "home"),
        ("/sign-in", "sign-in"),
        ("/sign-up", "sign-up"),
        ("/forgot-password", "forgot-password"),
        ("/reset-password", "reset-password"),
        ("/projects/none", "not-found"),
    ]:
        await visit(page, path, name)

    await sign_up(page, site, "walker")
    await visit(page, "/verify-email", "verify-email")
    project = await api(page, site, "/projects", data={"title": "Walk"})
    notebook = await api(page, site, f"/projects/{project['id']}/notebooks", data={"title": "All"})
    upload = {"file": {"name": "scores.csv", "mimeType": "text/csv", "buffer": b"id,score\n1,3\n"}}
    file = await api(page, site, f"/projects/{project['id']}/files", multipart=upload)
    own = await api(page, site, "/cell-templates", data=TEMPLATE)
    cells = f"/notebooks/{notebook['id']}/cells"
    await api(page, site, cells, data={"kind": "code", "source": OUTPUTS})
    await api(page, site, cells, data={"kind": "markdown", "source": "# Notes\n\nSome *text*."})
    await api(page, site, cells, data={"kind": "code", "source": FAILS})
    ran = await api(page, site, f"/notebooks/{notebook['id']}/execute", params={"wait": 120})
    assert ran["status"] == "error", ran

    for path, name in [
        ("/projects", "projects"),
        (f"/projects/{project['id']}", "project"),
        (f"/projects/{project['id']}/delete", "project-delete"),
        (f"/files/{file['id']}", "file"),
        (f"/notebooks/{notebook['id']}/add", "cell-picker"),
        (f"/notebooks/{notebook['id']}/add?template={template_id('histogram')}", "cell-form"),
        ("/templates", "templates"),
        ("/templates/new", "template-new"),
        (f"/templates/{template_id('t-test-independent')}", "template-builtin"),
        (f"/templates/{own['id']}", "template-own"),
        (f"/templates/{own['id']}/delete", "template-delete"),
        ("/profile", "profile"),
    ]:
        await visit(page, path, name)

    await visit(page, f"/notebooks/{notebook['id']}", "notebook")
    workspace = page.locator("article.cell")
    await expect(workspace.nth(0).locator(".output-table table")).to_have_count(2)
    await expect(workspace.nth(0).locator("img.output-image")).to_have_count(2)
    await expect(workspace.nth(2).locator(".output-error-title")).to_contain_text("scroe")
    # The kernel's HTML keeps its inline styles inside its frame; the page's own policy is
    # untouched, and nothing was refused anywhere (checked by `visit` and the page fixture).
    frame = workspace.nth(0).locator("iframe.output-html").content_frame
    await expect(frame.locator(".note")).to_have_css("color", "rgb(160, 0, 0)")
    await expect(frame.locator("#inline")).to_have_css("font-weight", "700")
    policy = (await page.request.get(f"/notebooks/{notebook['id']}")).headers[
        "content-security-policy"
    ]
    assert re.search(r"style-src 'self'(;|$)", policy)
    # Live updates swap cells in and out: running again refreshes every cell on the page.
    await page.get_by_role("button", name="Run all").click()
    await expect(workspace.nth(2).locator(".cell-status")).to_contain_text("Error", timeout=120_000)
    await expect(frame.locator(".note")).to_have_css("color", "rgb(160, 0, 0)")
    assert WATCHES[page].problems == []
