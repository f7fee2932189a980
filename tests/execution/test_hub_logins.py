"""JupyterLab through Datadive only, against a real JupyterHub with Datadive's authenticator
(`datadive.jupyter.hub_authenticator`): a browser that opens JupyterLab from Datadive reaches
the project's server as itself; a viewer gets no way in; a removed member's next request is
refused while another member keeps working; a login code works once, and not once expired.

Datadive is served over TCP on `localhost`, the Hub on `127.0.0.1`: two origins, whose cookies
the test browser keeps apart as a browser does. SECURITY.md checks 13 and 18."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from datadive.config import Settings
from datadive.execution.hub.backend import hub_user, login_key, person_user
from datadive.jupyter.login_codes import issue_login_code
from tests.support.accounts import browser
from tests.support.hub import Hub
from tests.support.mail import Mailbox
from tests.support.world import Person, World, build_world

# On the hub only (and so on SQLite only: see conftest's pytest_collection_modifyitems).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.hub,
    pytest.mark.parametrize("execution_backend", ["hub"], indirect=True),
]
COOKIE = "datadive_session"
# A project server remembers the Hub's word on a browser for `HubOAuth.cache_max_age` (1 s,
# the shortest there is); a request after that is checked again.
SERVER_AUTH_CACHE_SECONDS = 1.1


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, mailbox: Mailbox, hub: Hub, execution_backend: str
) -> Settings:
    """Datadive where the Hub's authenticator finds it; the browser knows it as `localhost`."""
    assert execution_backend == "hub"
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        database_url=database_url,
        smtp_url=mailbox.url,
        base_url=f"http://localhost:{hub.datadive_port}",
        **hub.settings(),
    )


@pytest.fixture
async def datadive(app: FastAPI, hub: Hub) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=hub.datadive_port, lifespan="off", log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://localhost:{hub.datadive_port}"
    finally:
        server.should_exit = True
        await task
        hub.stop_servers()


@pytest.fixture
async def world(app: FastAPI, datadive: str) -> World:
    built = await build_world(app)
    async with built.owner.client(app) as owner:
        response = await owner.post(f"/api/v1/projects/{built.project_id}/server")
        assert response.status_code == 200, response.text
    return built


class Forms(HTMLParser):
    """The forms of a page: action, method and the fields' values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((found.get("action", ""), found.get("method", "get"), {}))
        elif tag == "input" and self.forms and found.get("name"):
            self.forms[-1][2][found["name"]] = found.get("value", "")


def forms_of(page: str) -> list[tuple[str, str, dict[str, str]]]:
    parser = Forms()
    parser.feed(page)
    return parser.forms


class Browser:
    """An httpx client that follows redirects and submits forms as a browser does, keeping
    every URL it visits; cookies are kept per host."""

    def __init__(self, datadive: str, person: Person) -> None:
        self.datadive = datadive
        self.urls: list[str] = []
        self.sent_datadive_cookie_elsewhere = False
        self.session = person.cookie
        self.http = httpx.AsyncClient(timeout=60, event_hooks={"request": [self._saw]})

    async def _saw(self, request: httpx.Request) -> None:
        self.urls.append(str(request.url))
        if request.url.host == "localhost":  # Datadive's own cookie, for Datadive only
            request.headers["Cookie"] = f"{COOKIE}={self.session}"
        if request.url.host != "localhost" and COOKIE in request.headers.get("cookie", ""):
            self.sent_datadive_cookie_elsewhere = True

    async def go(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        response = await self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        for _ in range(20):
            if response.is_redirect:
                url = urljoin(str(response.url), response.headers["location"])
                response = await self.http.get(url)
            elif response.status_code == 200 and "oauth2/authorize" in str(response.url):
                # The Hub asks once whether the project's server may know who you are.
                (action, _, fields), *_ = forms_of(response.text)
                url = urljoin(str(response.url), action)
                response = await self.http.post(url, data=fields)
            else:
                return response
        raise AssertionError(f"too many redirects: {self.urls}")

    async def open_jupyterlab(self, project_id: str) -> httpx.Response:
        page = await self.go("GET", f"{self.datadive}/api/v1/projects/{project_id}/jupyterlab")
        if page.status_code != 200:
            return page
        assert page.headers["cache-control"] == "no-store"
        ((action, method, fields),) = forms_of(page.text)
        assert method == "post"
        return await self.submit(action, fields)

    async def submit(self, action: str, fields: dict[str, str]) -> httpx.Response:
        return await self.go("POST", action, data=fields, headers={"Origin": self.datadive})

    async def aclose(self) -> None:
        await self.http.aclose()


def assert_no_secret_in(urls: list[str]) -> None:
    for url in urls:
        names = {name.lower() for name, _ in parse_qsl(urlsplit(url).query)}
        assert not names & {"token", "access_token", "_xsrf"}, url
        assert "v1." not in urlsplit(url).query, f"a login code in {url}"


async def whoami(browser: Browser, hub: Hub, project_id: str) -> httpx.Response:
    return await browser.http.get(f"{hub.url}/user/{hub_user(project_id)}/api/me")


async def test_an_editor_opens_jupyterlab_as_themself_through_datadive(
    world: World, datadive: str, hub: Hub
) -> None:
    browser = Browser(datadive, world.editor)
    try:
        lab = await browser.open_jupyterlab(world.project_id)
        assert lab.status_code == 200, lab.text[-500:]
        assert str(lab.url).startswith(f"{hub.url}/user/{hub_user(world.project_id)}/lab")
        me = await whoami(browser, hub, world.project_id)
        assert me.status_code == 200
        assert me.json()["identity"]["username"] == person_user(world.editor.user_id)
        # The person's Hub user has no server of its own to start.
        person = person_user(world.editor.user_id)
        own = await browser.http.get(f"{hub.url}/hub/spawn/{person}")
        assert own.status_code in (403, 404), own.status_code
        assert not browser.sent_datadive_cookie_elsewhere
        assert_no_secret_in(browser.urls)
    finally:
        await browser.aclose()


async def test_a_viewer_is_refused_and_given_no_hub_address(
    world: World, datadive: str, hub: Hub
) -> None:
    browser = Browser(datadive, world.viewer)
    try:
        refused = await browser.open_jupyterlab(world.project_id)
        assert refused.status_code == 403
        assert "Not allowed" in refused.json()["detail"]
        assert hub.url not in refused.text
        assert all(not url.startswith(hub.url) for url in browser.urls)
    finally:
        await browser.aclose()


async def test_a_removed_member_is_refused_on_the_next_request_while_others_work(
    app: FastAPI, world: World, datadive: str, hub: Hub
) -> None:
    editor, owner = Browser(datadive, world.editor), Browser(datadive, world.owner)
    try:
        assert (await editor.open_jupyterlab(world.project_id)).status_code == 200
        assert (await owner.open_jupyterlab(world.project_id)).status_code == 200
        assert (await whoami(editor, hub, world.project_id)).status_code == 200

        async with world.owner.client(app) as client:
            removed = await client.delete(
                f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}"
            )
            assert removed.status_code == 204, removed.text
        await asyncio.sleep(SERVER_AUTH_CACHE_SECONDS)

        after = await whoami(editor, hub, world.project_id)
        assert after.status_code in (302, 403), after.status_code
        still = await whoami(owner, hub, world.project_id)
        assert still.status_code == 200
        assert still.json()["identity"]["username"] == person_user(world.owner.user_id)
    finally:
        await editor.aclose()
        await owner.aclose()


async def test_a_downgraded_member_cannot_open_jupyterlab_again(
    app: FastAPI, world: World, datadive: str, hub: Hub
) -> None:
    editor = Browser(datadive, world.editor)
    try:
        assert (await editor.open_jupyterlab(world.project_id)).status_code == 200
        async with world.owner.client(app) as client:
            changed = await client.patch(
                f"/api/v1/projects/{world.project_id}/members/{world.editor.user_id}",
                json={"role": "viewer"},
            )
            assert changed.status_code == 200, changed.text
        await asyncio.sleep(SERVER_AUTH_CACHE_SECONDS)
        assert (await whoami(editor, hub, world.project_id)).status_code in (302, 403)
        again = await editor.open_jupyterlab(world.project_id)
        assert again.status_code == 403
    finally:
        await editor.aclose()


async def test_a_login_code_works_once_and_not_once_expired(
    world: World, datadive: str, hub: Hub
) -> None:
    first = Browser(datadive, world.editor)
    try:
        page = await first.go("GET", f"{datadive}/api/v1/projects/{world.project_id}/jupyterlab")
        ((action, _, fields),) = forms_of(page.text)
        assert (await first.submit(action, fields)).status_code == 200
    finally:
        await first.aclose()

    replay = Browser(datadive, world.other)
    try:
        refused = await replay.submit(action, fields)
        assert refused.status_code == 403
        assert "used already" in refused.text
        assert (await whoami(replay, hub, world.project_id)).status_code in (302, 403)

        expired_code = issue_login_code(
            login_key(hub.token),
            user_id=world.editor.user_id,
            name="editor",
            project_id=world.project_id,
            now=time.time() - 300,
        )
        expired = await replay.submit(action, {**fields, "code": expired_code})
        assert expired.status_code == 403
        assert "expired" in expired.text

        forged = await replay.submit(action, {**fields, "code": expired_code[:-4] + "AAAA"})
        assert forged.status_code == 403
    finally:
        await replay.aclose()


async def test_a_code_posted_from_another_site_is_refused_and_stays_unused(
    world: World, datadive: str, hub: Hub
) -> None:
    """Login forgery: a page elsewhere posts its author's valid code to sign a visitor in to
    the Hub as the author. The browser names that page's origin, and the Hub refuses it."""
    author = Browser(datadive, world.editor)
    try:
        page = await author.go("GET", f"{datadive}/api/v1/projects/{world.project_id}/jupyterlab")
        ((action, _, fields),) = forms_of(page.text)
    finally:
        await author.aclose()

    visitor = Browser(datadive, world.other)
    try:
        forged = await visitor.go(
            "POST", action, data=fields, headers={"Origin": "https://attacker.example"}
        )
        assert forged.status_code == 403
        assert "did not come from Datadive" in forged.text
        assert (await whoami(visitor, hub, world.project_id)).status_code in (302, 403)
    finally:
        await visitor.aclose()

    again = Browser(datadive, world.editor)  # the refused code was not spent
    try:
        assert (await again.submit(action, fields)).status_code == 200
    finally:
        await again.aclose()


async def test_only_the_hub_redeems_login_codes(app: FastAPI, hub: Hub) -> None:
    code = issue_login_code(login_key(hub.token), user_id="u", name="ada", project_id="p")
    async with browser(app) as client:
        for token in ("", "not-the-hub-token", hub.admin_token):
            client.headers["Authorization"] = f"Bearer {token}"
            answer = await client.post("/internal/jupyterhub/logins", json={"code": code})
            assert answer.status_code == 401, answer.text
        client.headers["Authorization"] = f"Bearer {hub.token}"
        answer = await client.post("/internal/jupyterhub/logins", json={"code": code})
        assert answer.status_code == 403  # the Hub itself: the code's person does not exist
