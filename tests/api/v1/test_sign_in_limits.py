"""SECURITY.md check 7: failed sign-ins are limited per account and per address, and an
unknown user looks exactly like a wrong password (timing is compared in bench/)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from datadive.db.models import RateLimitEvent
from tests.support.accounts import PASSWORD, browser, sign_in, sign_up

WRONG = "wrong password!"


async def fail_from(app: FastAPI, address: str, login: str = "ada") -> None:
    async with browser(app, address=address) as attacker:
        assert (await sign_in(attacker, login=login, password=WRONG)).status_code == 401


async def test_ten_failures_for_one_account_lock_it_for_ten_minutes(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    for number in range(10):
        await fail_from(
            app, f"198.51.100.{number}", login="ada" if number % 2 else "ADA@example.org"
        )

    async with browser(app, address="203.0.113.7") as owner:
        locked = await sign_in(owner, password=PASSWORD)

    assert locked.status_code == 429
    assert 590 <= int(locked.headers["retry-after"]) <= 600
    assert "10 minutes" in locked.json()["detail"]


async def backdate_all_but_the_newest(app: FastAPI, by: timedelta) -> None:
    """As if the earlier failures had happened `by` ago, the last one just now."""
    async with app.state.database.transaction() as session:
        events = list(await session.scalars(sa.select(RateLimitEvent)))
        newest = max(event.at for event in events)
        for event in events:
            if event.at < newest:
                event.at -= by


async def test_the_lockout_lasts_ten_minutes_from_the_tenth_failure_not_the_first(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    for number in range(10):
        await fail_from(app, f"198.51.100.{number}")
    await backdate_all_but_the_newest(app, timedelta(minutes=9))

    async with browser(app, address="203.0.113.7") as owner:
        locked = await sign_in(owner, password=PASSWORD)

    assert locked.status_code == 429
    assert 590 <= int(locked.headers["retry-after"]) <= 600
    assert "10 minutes" in locked.json()["detail"]


async def test_ten_failures_spread_over_more_than_ten_minutes_lock_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    for number in range(10):
        await fail_from(app, f"198.51.100.{number}")
    await backdate_all_but_the_newest(app, timedelta(minutes=11))

    async with browser(app, address="203.0.113.7") as owner:
        assert (await sign_in(owner, password=PASSWORD)).status_code == 200


async def test_ten_failures_from_one_address_lock_that_address_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    for number in range(10):
        await fail_from(app, "198.51.100.1", login=f"nobody{number}")

    async with browser(app, address="198.51.100.1") as same_address:
        assert (await sign_in(same_address, password=PASSWORD)).status_code == 429
    async with browser(app, address="203.0.113.7") as elsewhere:
        assert (await sign_in(elsewhere, password=PASSWORD)).status_code == 200


async def test_a_successful_sign_in_resets_the_account_count(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    for number in range(9):
        await fail_from(app, f"198.51.100.{number}")
    async with browser(app, address="203.0.113.7") as owner:
        assert (await sign_in(owner, password=PASSWORD)).status_code == 200
    for number in range(9):
        await fail_from(app, f"192.0.2.{number}")

    async with browser(app, address="203.0.113.7") as owner:
        assert (await sign_in(owner, password=PASSWORD)).status_code == 200


async def test_unknown_user_and_wrong_password_look_the_same(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await sign_up(client)
    async with browser(app) as stranger:
        wrong_password = await sign_in(stranger, login="ada", password="not her password")
        unknown_user = await sign_in(stranger, login="nobody", password="not her password")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
