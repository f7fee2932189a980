"""Listing 1,000 projects with their members: paginated, a fixed number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.ids import new_id
from datadive.db.models import Project, ProjectMember
from datadive.db.types import utcnow
from tests.support.queries import counting_queries
from tests.support.world import make_person

PROJECTS = 1000


@pytest.mark.parametrize("sort", ["-updated_at", "title"])
async def test_a_thousand_projects_page_by_page_with_bounded_queries(
    app: FastAPI, sort: str
) -> None:
    ada = await make_person(app, "ada")
    grace = await make_person(app, "grace")
    start = utcnow()
    projects = [
        {
            "id": new_id(),
            "title": f"Study {number:04d}",
            "description": "",
            "owner_id": ada.user_id,
            "archived": False,
            "created_at": start,
            # many share a timestamp: the cursor must break ties by id
            "updated_at": start - timedelta(minutes=number // 7),
        }
        for number in range(PROJECTS)
    ]
    members = [
        row
        for project in projects
        for row in (
            {"project_id": project["id"], "user_id": ada.user_id, "role": "owner"},
            {"project_id": project["id"], "user_id": grace.user_id, "role": "viewer"},
        )
    ]
    async with app.state.database.transaction() as session:
        await session.execute(sa.insert(Project), projects)
        await session.execute(sa.insert(ProjectMember), members)

    seen: list[str] = []
    queries_per_page = []
    cursor = None
    async with ada.client(app) as client:
        while True:
            params = {"limit": 150, "sort": sort} | ({"cursor": cursor} if cursor else {})
            with counting_queries(app.state.database.engine) as statements:
                page = (await client.get("/api/v1/projects", params=params)).json()
            queries_per_page.append(len(statements))
            seen.extend(item["id"] for item in page["items"])
            assert all(len(item["members"]) == 2 for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break

    assert len(seen) == PROJECTS
    assert set(seen) == {project["id"] for project in projects}
    assert len(queries_per_page) == 7
    # session lookup, one page query, one members query — however many projects there are
    assert max(queries_per_page) <= 3
