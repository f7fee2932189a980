"""SECURITY.md check 7, the end of the lock: ten failed sign-ins lock an account or an address
for ten minutes, and not longer; once the ten minutes have passed, the right password works."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import RateLimitEvent
from datadive.db.types import utcnow
from tests.support.accounts import PASSWORD, browser, sign_in, sign_up

OWNER_ADDRESS = "203.0.113.7"


def attacker_address(kind: str, number: int) -> str:
    """Failures for one account come from ten addresses; failures from one address, for ten
    accounts (none of them Ada's), all come from the owner's own address."""
    return f"198.51.100.{number}" if kind == "account" else OWNER_ADDRESS


async def fail_ten_times(app: FastAPI, kind: str) -> None:
    for number in range(10):
        login = "ada" if kind == "account" else f"nobody{number}"
        async with browser(app, address=attacker_address(kind, number)) as attacker:
            answer = await sign_in(attacker, login=login, password="wrong password!")
            assert answer.status_code == 401


async def date_failures(app: FastAPI, ago: timedelta) -> None:
    """Every counted failure happened `ago` before now, as if that much time had passed."""
    async with app.state.database.transaction() as session:
        await session.execute(sa.update(RateLimitEvent).values(at=utcnow() - ago))


@pytest.mark.parametrize("kind", ["account", "address"])
async def test_the_lock_lasts_ten_minutes_and_then_ends(
    app: FastAPI, client: httpx.AsyncClient, kind: str
) -> None:
    await sign_up(client)
    await fail_ten_times(app, kind)

    await date_failures(app, timedelta(minutes=9))
    async with browser(app, address=OWNER_ADDRESS) as owner:
        still_locked = await sign_in(owner, password=PASSWORD)
    await date_failures(app, timedelta(minutes=10, seconds=1))
    async with browser(app, address=OWNER_ADDRESS) as owner:
        unlocked = await sign_in(owner, password=PASSWORD)

    assert still_locked.status_code == 429
    assert 1 <= int(still_locked.headers["retry-after"]) <= 60
    assert unlocked.status_code == 200, unlocked.text
