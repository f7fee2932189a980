"""Notebooks: unique derived paths, listing, rename, archive, delete, duplicate."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import Cell, Notebook
from datadive.services.authoring.notebooks import slug_for
from tests.support.world import World, build_world


@pytest.fixture
async def world(app: FastAPI) -> World:
    return await build_world(app)


def notebooks_url(world: World) -> str:
    return f"/api/v1/projects/{world.project_id}/notebooks"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Pilot study: t-tests (v2)", "pilot-study-t-tests-v2"),
        ("Überprüfung der Hypothese", "uberprufung-der-hypothese"),
        ("日本語", "notebook"),
        ("../../etc/passwd", "etc-passwd"),
        ("x" * 500, "x" * 60),
    ],
)
def test_slugs_are_safe_file_names(title: str, slug: str) -> None:
    assert slug_for(title) == slug


async def test_paths_are_derived_and_unique(app: FastAPI, world: World) -> None:
    async with world.editor.client(app) as editor:
        first = (await editor.post(notebooks_url(world), json={"title": "Main analysis"})).json()
        second = (await editor.post(notebooks_url(world), json={"title": "Main Analysis!"})).json()
        third = (await editor.post(notebooks_url(world), json={"title": "main analysis"})).json()

    assert [first["path"], second["path"], third["path"]] == [
        "main-analysis.ipynb",
        "main-analysis-2.ipynb",
        "main-analysis-3.ipynb",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": "ok", "project_id": "elsewhere"}, "project_id"),
        ({"title": "ok", "path": "../evil.ipynb"}, "path"),
    ],
)
async def test_bad_new_notebooks_change_nothing(
    app: FastAPI, world: World, body: dict[str, object], field: str
) -> None:
    async with world.editor.client(app) as editor:
        response = await editor.post(notebooks_url(world), json=body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    async with app.state.database.new_session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Notebook)) == 1


async def test_rename_keeps_the_path_and_archive_filters(app: FastAPI, world: World) -> None:
    url = f"/api/v1/notebooks/{world.notebook_id}"
    async with world.editor.client(app) as editor:
        renamed = (await editor.patch(url, json={"title": "Final analysis"})).json()
        await editor.post(notebooks_url(world), json={"title": "Scratch"})
        archived = (await editor.patch(url, json={"status": "archived"})).json()
        active = (await editor.get(notebooks_url(world), params={"status": "active"})).json()
        smuggled = await editor.patch(url, json={"project_id": "x", "path": "y.ipynb"})

    assert renamed["title"] == "Final analysis"
    assert renamed["path"] == "analysis.ipynb"
    assert archived["status"] == "archived"
    assert [n["title"] for n in active["items"]] == ["Scratch"]
    assert smuggled.status_code == 422


async def test_list_is_paginated(app: FastAPI, world: World) -> None:
    async with world.viewer.client(app) as viewer, world.editor.client(app) as editor:
        for number in range(4):
            await editor.post(notebooks_url(world), json={"title": f"N{number}"})
        first = (await viewer.get(notebooks_url(world), params={"limit": 3})).json()
        rest = (
            await viewer.get(
                notebooks_url(world), params={"limit": 3, "cursor": first["next_cursor"]}
            )
        ).json()

    titles = [n["title"] for n in first["items"] + rest["items"]]
    assert titles == ["Analysis", "N0", "N1", "N2", "N3"]
    assert rest["next_cursor"] is None


async def test_copies_of_a_200_character_title_fit_the_column(app: FastAPI, world: World) -> None:
    """PostgreSQL refused `<200 characters> (copy)` with a 500; SQLite stored it."""
    long_title = "Pre-registered replication " + "x" * 173
    assert len(long_title) == 200
    async with world.editor.client(app) as editor:
        renamed = await editor.patch(
            f"/api/v1/notebooks/{world.notebook_id}", json={"title": long_title}
        )
        copy = await editor.post(f"/api/v1/notebooks/{world.notebook_id}/duplicate")
        copy_of_copy = await editor.post(f"/api/v1/notebooks/{copy.json()['id']}/duplicate")

    assert renamed.status_code == 200
    assert copy.status_code == 201, copy.text
    assert copy_of_copy.status_code == 201, copy_of_copy.text
    for answer in (copy, copy_of_copy):
        title = answer.json()["title"]
        assert len(title) == 200
        assert title.startswith("Pre-registered replication xxx")
        assert title.endswith("x (copy)")


async def test_duplicate_copies_cells_and_delete_removes_them(app: FastAPI, world: World) -> None:
    async with app.state.database.transaction() as session:
        await session.execute(sa.delete(Cell))
        for position, source in (("a1", "x = 1"), ("a2", "print(x)")):
            session.add(
                Cell(notebook_id=world.notebook_id, position=position, kind="code", source=source)
            )
    async with world.editor.client(app) as editor:
        copy = await editor.post(f"/api/v1/notebooks/{world.notebook_id}/duplicate")
        named = await editor.post(
            f"/api/v1/notebooks/{world.notebook_id}/duplicate", json={"title": "Variant B"}
        )
        deleted = await editor.delete(f"/api/v1/notebooks/{world.notebook_id}")
        gone = await editor.get(f"/api/v1/notebooks/{world.notebook_id}")

    assert copy.status_code == 201
    assert copy.json()["title"] == "Analysis (copy)"
    assert copy.json()["path"] == "analysis-copy.ipynb"
    assert named.json()["title"] == "Variant B"
    assert deleted.status_code == 204
    assert gone.status_code == 404
    async with app.state.database.new_session() as session:
        sources = (
            await session.scalars(
                sa.select(Cell.source)
                .where(Cell.notebook_id == copy.json()["id"])
                .order_by(Cell.position)
            )
        ).all()
        remaining = await session.scalar(sa.select(sa.func.count()).select_from(Cell))
    assert list(sources) == ["x = 1", "print(x)"]
    assert remaining == 4  # the original's two cells went with it
