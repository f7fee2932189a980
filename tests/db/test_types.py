"""Timestamps come back as aware UTC on every database, whatever zone they went in with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from datadive.db.engine import Database
from datadive.db.models import User


async def test_timestamps_round_trip_as_utc(database_url: str) -> None:
    database = Database(database_url)
    berlin_summer = timezone(timedelta(hours=2))
    written = datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=berlin_summer)
    try:
        async with database.new_session() as session, session.begin():
            user = User(username="ada", email="ada@example.org", password_hash="x")
            user.created_at = written
            session.add(user)
        async with database.new_session() as session:
            stored = (await session.execute(sa.select(User))).scalar_one()
    finally:
        await database.dispose()

    assert stored.created_at == written
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.hour == 12
    assert stored.id
    assert len(stored.id) == 36


async def test_naive_timestamps_are_refused(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.new_session() as session:
            user = User(username="ada", email="ada@example.org", password_hash="x")
            user.created_at = datetime(2026, 7, 1, 14, 30)
            session.add(user)
            with pytest.raises(sa.exc.StatementError, match="naive datetime"):
                await session.flush()
    finally:
        await database.dispose()


async def test_ids_sort_by_creation_time(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.new_session() as session, session.begin():
            for number in range(20):
                session.add(
                    User(username=f"u{number}", email=f"u{number}@x.org", password_hash="x")
                )
                await session.flush()
        async with database.new_session() as session:
            by_id = (await session.execute(sa.select(User.username).order_by(User.id))).scalars()
    finally:
        await database.dispose()

    assert list(by_id) == [f"u{number}" for number in range(20)]
