"""Sliding-window rate limits stored in the database, so they hold across processes.

A limit allows `max_events` events per `window` in a bucket (`mail:account:ada`); once
full, the next attempt is refused until the oldest counted event leaves the window. A lockout
(`sign-in:account:ada`) refuses for a whole window counted from the event that filled it, so
that ten failures spread over nine minutes still lock for ten minutes (SECURITY.md check 7).
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
    lockout: bool = False


async def seconds_until_allowed(session: AsyncSession, limit: Limit, *, now: datetime) -> int:
    # A lockout that is still on began within the window, and the events that filled it
    # within the window before that.
    since = now - limit.window * (2 if limit.lockout else 1)
    recent = (
        await session.execute(
            sa.select(RateLimitEvent.at)
            .where(RateLimitEvent.bucket == limit.bucket, RateLimitEvent.at > since)
            .order_by(RateLimitEvent.at.desc())
            .limit(limit.max_events)
        )
    ).scalars()
    counted = list(recent)
    if len(counted) < limit.max_events:
        return 0
    newest, oldest = counted[0], counted[-1]
    if not limit.lockout:
        return math.ceil((oldest + limit.window - now).total_seconds())
    if newest - oldest >= limit.window:
        return 0  # never `max_events` within one window
    return max(math.ceil((newest + limit.window - now).total_seconds()), 0)


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
