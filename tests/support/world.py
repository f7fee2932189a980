"""A project with an owner, an editor, a viewer, a second viewer, and an outsider, each with a
real session — built through the services, fast (one argon2 hash per test run)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from datadive.auth.passwords import hash_password
from datadive.auth.permissions import Role
from datadive.cell_templates.library import builtin_template
from datadive.cell_templates.rendering import render
from datadive.db.models import Cell, Notebook, ProjectMember, Run, User
from datadive.schemas.accounts import ApiTokenCreate
from datadive.schemas.projects import ProjectCreate
from datadive.services.authoring.cell_templates import builtin_id
from datadive.services.identity import api_tokens, sessions
from datadive.services.membership import projects
from tests.support.accounts import PASSWORD, browser


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


# How a test's requests sign in: a browser session cookie, or a script's API token.
SIGN_INS = ("session", "token")


@dataclass(frozen=True)
class Person:
    name: str
    user_id: str
    cookie: str
    token: str | None = None  # a `write` API token of this person's, when the world made one

    def client(self, app: FastAPI, via: str = "session") -> httpx.AsyncClient:
        """A client signed in as this person: with the session cookie (a browser), or with
        the API token (a script: `Authorization: Bearer`, no cookie)."""
        client = browser(app)
        if via == "token":
            assert self.token is not None, "build the world with tokens=True"
            client.headers["Authorization"] = f"Bearer {self.token}"
        else:
            client.cookies.set("datadive_session", self.cookie)
        return client


async def make_person(
    app: FastAPI, name: str, *, verified: bool = True, token: bool = False
) -> Person:
    async with app.state.database.transaction() as session:
        user = User(
            username=name,
            email=f"{name}@example.org",
            email_verified=verified,
            password_hash=password_hash(),
            first_name=name.title(),
        )
        session.add(user)
        await session.flush()
        new = await sessions.start_session(session, user_id=user.id, policy=app.state.auth_policy)
        issued = None
        if token:
            _, issued = await api_tokens.create_api_token(
                session, user=user, data=ApiTokenCreate(name="tests", scope="write")
            )
    return Person(
        name=name, user_id=user.id, cookie=str(new.token), token=str(issued) if issued else None
    )


@dataclass(frozen=True)
class World:
    owner: Person
    editor: Person
    viewer: Person
    colleague: Person
    other: Person
    project_id: str
    notebook_id: str
    cell_id: str
    run_id: str

    def person(self, role: str) -> Person:
        person: Person = getattr(self, role)
        return person


ROLES_IN_WORLD = ("owner", "editor", "viewer", "colleague", "other")


async def build_world(app: FastAPI, *, prefix: str = "", tokens: bool = False) -> World:
    """`prefix` keeps usernames apart when a test builds a second world; with `tokens` each
    person also has a `write` API token (`Person.client(app, "token")`)."""
    people = {
        name: await make_person(app, f"{prefix}{name}", token=tokens) for name in ROLES_IN_WORLD
    }
    async with app.state.database.transaction() as session:
        owner = await session.get(User, people["owner"].user_id)
        assert owner is not None
        view = await projects.create_project(
            session, owner=owner, data=ProjectCreate(title="Pilot study")
        )
        project_id = view.project.id
        for name, role in (
            ("editor", Role.EDITOR),
            ("viewer", Role.VIEWER),
            ("colleague", Role.VIEWER),
        ):
            session.add(
                ProjectMember(project_id=project_id, user_id=people[name].user_id, role=role)
            )
        notebook = Notebook(project_id=project_id, title="Analysis", path="analysis.ipynb")
        session.add(notebook)
        await session.flush()
        notebook_id = notebook.id
        template = builtin_template("descriptives")
        assert template is not None
        inputs = {"data": "df", "columns": []}
        cell = Cell(
            notebook_id=notebook_id,
            position="m",
            kind="template",
            template_id=builtin_id(template),
            template_version=template.version,
            inputs=inputs,
            source=render(template, inputs),
            outputs=[],
        )
        session.add(cell)
        await session.flush()
        cell_id = cell.id
        run = Run(notebook_id=notebook_id, cell_id=cell_id, scope="cell", status="ok")
        session.add(run)
        await session.flush()
        run_id = run.id
    return World(
        project_id=project_id, notebook_id=notebook_id, cell_id=cell_id, run_id=run_id, **people
    )
