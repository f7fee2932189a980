"""Users and the secrets that prove who they are.

Every token is `<id>.<secret>`: the id finds the row, and only the SHA-256 of the secret is
stored, compared in constant time.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from datadive.db.base import Base, IdMixin, TimestampMixin, enum_column
from datadive.db.ids import ID_LENGTH
from datadive.db.types import UtcDateTime

SHA256_HEX_LENGTH = 64
PUBLIC_ID_LENGTH = 32
TOKEN_SCOPES = ("read", "write")


def user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete="CASCADE")


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    # `username` holds the normalized form (NFKC, case-folded), so look-alikes collide.
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    first_name: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class UserSession(TimestampMixin, Base):
    """A browser session, idle-limited with sliding renewal and capped absolutely."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(sa.String(PUBLIC_ID_LENGTH), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))
    user_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), user_fk(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    idle_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    absolute_expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(IdMixin, TimestampMixin, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), user_fk(), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    secret_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))
    scope: Mapped[str] = mapped_column(enum_column(*TOKEN_SCOPES, name="scope"))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class EmailVerificationCode(IdMixin, TimestampMixin, Base):
    """A short code mailed to `email`; bound to the user and to that address."""

    __tablename__ = "email_verification_codes"

    user_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), user_fk(), index=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    code_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PasswordResetToken(IdMixin, TimestampMixin, Base):
    __tablename__ = "password_reset_tokens"

    user_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), user_fk(), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(SHA256_HEX_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class RateLimitEvent(IdMixin, Base):
    """One counted attempt (a failed sign-in, a mail sent) in a named bucket.

    Kept in the database so that limits hold across several Datadive processes.
    """

    __tablename__ = "rate_limit_events"
    __table_args__ = (sa.Index("ix_rate_limit_events_bucket_at", "bucket", "at"),)

    bucket: Mapped[str] = mapped_column(sa.String(400))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
