"""SECURITY.md check 7, the end of the lock: ten failed sign-ins lock an account or an address
for ten minutes, and not longer; once the ten minutes have passed, the right password works.

That ten failed sign-ins lock is shown in test_sign_in_limits.py. Here the failures are
recorded in the buckets the sign-in counts them in, as it records them: each real failure
would cost a password hash, and the lock's end is what this test is about."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import RateLimitEvent
from datadive.db.types import utcnow
from datadive.services.identity import accounts, rate_limits
from tests.support.accounts import PASSWORD, browser, sign_in
from tests.support.world import make_person

OWNER_ADDRESS = "203.0.113.7"


async def fail_ten_times(app: FastAPI, kind: str, user_id: str) -> None:
    """Ten failed sign-ins counted against Ada's account (`account`: from other addresses), or
    against the address she signs in from (`address`: for other accounts)."""
    policy = app.state.auth_policy
    by_account, by_address = accounts.sign_in_limits(
        account=user_id, address=OWNER_ADDRESS, policy=policy
    )
    bucket = by_account.bucket if kind == "account" else by_address.bucket
    async with app.state.database.transaction() as session:
        for _ in range(policy.sign_in_failure_limit):
            await rate_limits.record_events(session, [bucket], now=utcnow())


async def date_failures(app: FastAPI, ago: timedelta) -> None:
    """Every counted failure happened `ago` before now, as if that much time had passed."""
    async with app.state.database.transaction() as session:
        await session.execute(sa.update(RateLimitEvent).values(at=utcnow() - ago))


@pytest.mark.parametrize("kind", ["account", "address"])
async def test_the_lock_lasts_ten_minutes_and_then_ends(app: FastAPI, kind: str) -> None:
    ada = await make_person(app, "ada")
    await fail_ten_times(app, kind, ada.user_id)

    await date_failures(app, timedelta(minutes=9))
    async with browser(app, address=OWNER_ADDRESS) as owner:
        still_locked = await sign_in(owner, password=PASSWORD)
    await date_failures(app, timedelta(minutes=10, seconds=1))
    async with browser(app, address=OWNER_ADDRESS) as owner:
        unlocked = await sign_in(owner, password=PASSWORD)

    assert still_locked.status_code == 429
    assert 1 <= int(still_locked.headers["retry-after"]) <= 60
    assert unlocked.status_code == 200, unlocked.text
