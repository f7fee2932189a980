"""Sliding-window rate limits stored in the database, so they hold across processes.

A limit allows `max_events` events per `window` in a bucket (`sign-in:account:ada`); once
full, the next attempt is refused until the oldest counted event leaves the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from datadive.db.models import RateLimitEvent
from datadive.errors import RateLimited

RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_events: int
    window: timedelta


async def seconds_until_allowed(session: AsyncSession, limit: Limit, *, now: datetime) -> int:
    recent = (
        await session.execute(
            sa.select(RateLimitEvent.at)
            .where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.at > now - limit.window)
            .order_by(RateLimitEvent.at.desc())
            .limit(limit.max_events)
        )
    ).scalars()
    counted = list(recent)
    if len(counted) < limit.max_events:
        return 0
    return math.ceil((counted[-1] + limit.window - now).total_seconds())


async def enforce_limits(
    session: AsyncSession, limits: list[Limit], *, now: datetime, message: str
) -> None:
    """Raise RateLimited when any of `limits` is full."""
    waits = [await seconds_until_allowed(session, limit, now=now) for limit in limits]
    wait = max(waits, default=0)
    if wait > 0:
        minutes = math.ceil(wait / 60)
        raise RateLimited(
            f"{message} Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after_seconds=wait,
        )


async def record_events(session: AsyncSession, buckets: list[str], *, now: datetime) -> None:
    session.add_all(RateLimitEvent(bucket=bucket, at=now) for bucket in buckets)
    await session.execute(
        sa.delete(RateLimitEvent).where(
            RateLimitEvent.bucket.in_(buckets), RateLimitEvent.at < now - RETENTION
        )
    )


async def clear_bucket(session: AsyncSession, bucket: str) -> None:
    await session.execute(sa.delete(RateLimitEvent).where(RateLimitEvent.bucket == bucket))
