"""The numbers that govern accounts and sessions, read once from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from datadive.config import Settings


@dataclass(frozen=True)
class AuthPolicy:
    session_idle: timedelta
    session_max: timedelta
    email_code_ttl: timedelta
    password_reset_ttl: timedelta
    sign_in_failure_limit: int
    sign_in_lockout: timedelta
    mails_per_hour_per_account: int
    mails_per_hour_per_address: int
    base_url: str
    email_code_attempts: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPolicy:
        return cls(
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_max=timedelta(days=settings.session_max_days),
            email_code_ttl=timedelta(minutes=settings.email_code_minutes),
            password_reset_ttl=timedelta(minutes=settings.password_reset_minutes),
            sign_in_failure_limit=settings.sign_in_failure_limit,
            sign_in_lockout=timedelta(minutes=settings.sign_in_lockout_minutes),
            mails_per_hour_per_account=settings.mails_per_hour_per_account,
            mails_per_hour_per_address=settings.mails_per_hour_per_address,
            base_url=settings.base_url.rstrip("/"),
        )
