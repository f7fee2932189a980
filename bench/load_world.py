"""What `bench/load.py`'s users find when they sign in: accounts, shared projects, a notebook
each with one code cell, and a reader with a few projects for the throughput phase.

Accounts are written straight into the database (verified email, one real argon2 hash of the
shared password for all), each with a browser session for the set-up; everything else goes
through the API as a user would. The simulated users sign in through the API themselves.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

import httpx

from datadive.auth.cookies import LOCAL_COOKIE_NAME
from datadive.auth.passwords import hash_password
from datadive.config import Settings
from datadive.db.engine import Database
from datadive.db.models import User
from datadive.services.identity import sessions
from datadive.services.identity.auth_policy import AuthPolicy

# One password for every simulated account: hashing is the same work whatever it is.
PASSWORD = f"load-bench-{secrets.token_hex(8)}"
READER_PROJECTS = 3
READER_COMPANIONS = 2


@dataclass(frozen=True)
class SimulatedUser:
    username: str
    project_id: str
    notebook_id: str
    cell_id: str


@dataclass(frozen=True)
class World:
    users: list[SimulatedUser]
    reader: str  # the username of the throughput phase's user


class SetupFailed(RuntimeError):
    pass


def checked(response: httpx.Response, expected: int) -> httpx.Response:
    if response.status_code != expected:
        raise SetupFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, not {expected}: {response.text[:500]}"
        )
    return response


def new_client(
    base_url: str, *, timeout: float = 120, session_token: str | None = None
) -> httpx.AsyncClient:
    """A browser-like client: its own cookie jar, and an Origin on every request (Datadive
    refuses state-changing requests with a session cookie and no Origin)."""
    cookies = {LOCAL_COOKIE_NAME: session_token} if session_token else None
    return httpx.AsyncClient(
        base_url=base_url, headers={"Origin": base_url}, timeout=timeout, cookies=cookies
    )


async def sign_in(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post("/api/v1/auth/sign-in", json={"login": username, "password": PASSWORD})


async def create_accounts(database_url: str, usernames: list[str]) -> dict[str, str]:
    """The accounts, and a session token for each (username → token)."""
    password_hash = hash_password(PASSWORD)
    policy = AuthPolicy.from_settings(Settings(_env_file=None))
    database = Database(database_url)
    tokens = {}
    try:
        async with database.transaction() as session:
            for username in usernames:
                user = User(
                    username=username,
                    email=f"{username}@example.org",
                    password_hash=password_hash,
                    email_verified=True,
                )
                session.add(user)
                await session.flush()
                new = await sessions.start_session(session, user_id=user.id, policy=policy)
                tokens[username] = str(new.token)
    finally:
        await database.dispose()
    return tokens


async def create_project(base_url: str, *, token: str, title: str, members: list[str]) -> str:
    async with new_client(base_url, session_token=token) as client:
        project = checked(await client.post("/api/v1/projects", json={"title": title}), 201)
        project_id = str(project.json()["id"])
        for member in members:
            body = {"user": member, "role": "editor"}
            checked(await client.post(f"/api/v1/projects/{project_id}/members", json=body), 201)
    return project_id


async def create_notebook(
    base_url: str, *, username: str, token: str, project_id: str
) -> SimulatedUser:
    async with new_client(base_url, session_token=token) as client:
        notebook = checked(
            await client.post(
                f"/api/v1/projects/{project_id}/notebooks", json={"title": f"{username} load"}
            ),
            201,
        )
        notebook_id = str(notebook.json()["id"])
        cell = checked(
            await client.post(
                f"/api/v1/notebooks/{notebook_id}/cells", json={"kind": "code", "source": "1 + 1"}
            ),
            201,
        )
    return SimulatedUser(username, project_id, notebook_id, str(cell.json()["id"]))


async def build_world(
    *, base_url: str, database_url: str, users: int, members_per_project: int
) -> World:
    """`users` accounts in projects of `members_per_project` members each (the first one the
    owner), every user with a notebook of their own; and a reader owning a few projects."""
    usernames = [f"load{index:03d}" for index in range(users)]
    reader = "loadreader"
    tokens = await create_accounts(database_url, [*usernames, reader])
    groups = [
        usernames[start : start + members_per_project]
        for start in range(0, users, members_per_project)
    ]
    project_ids = await asyncio.gather(
        *(
            create_project(
                base_url, token=tokens[group[0]], title=f"Load {number}", members=group[1:]
            )
            for number, group in enumerate(groups)
        )
    )
    simulated: list[SimulatedUser] = []
    for project_id, group in zip(project_ids, groups, strict=True):
        simulated += await asyncio.gather(
            *(
                create_notebook(base_url, username=name, token=tokens[name], project_id=project_id)
                for name in group
            )
        )
    for number in range(READER_PROJECTS):
        companions = usernames[number * READER_COMPANIONS : (number + 1) * READER_COMPANIONS]
        await create_project(
            base_url, token=tokens[reader], title=f"Reader's {number}", members=companions
        )
    return World(users=simulated, reader=reader)
