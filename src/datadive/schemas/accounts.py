"""Request and response bodies of /api/v1/auth. Inputs forbid unknown fields, so that
`is_admin` or `email_verified` cannot be smuggled in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datadive.auth.passwords import MAX_LENGTH
from datadive.schemas.inputs import Input, JsonDatetime
from datadive.schemas.text import OneLine

# A password may hold any character: it is hashed, never stored or shown.
Password = Field(min_length=1, max_length=MAX_LENGTH)
Name = Field(default="", max_length=100)


class SignUp(Input):
    username: OneLine = Field(min_length=1, max_length=64)
    email: OneLine = Field(min_length=3, max_length=320)
    password: str = Password
    first_name: OneLine = Name
    last_name: OneLine = Name


class SignIn(Input):
    """`login` is a username or an email address (`username` or `email` work too)."""

    login: OneLine | None = Field(default=None, max_length=320)
    username: OneLine | None = Field(default=None, max_length=320)
    email: OneLine | None = Field(default=None, max_length=320)
    password: str = Password

    @model_validator(mode="after")
    def one_login(self) -> SignIn:
        if not (self.login or self.username or self.email):
            raise ValueError("give your username or email address as `login`")
        return self

    @property
    def identifier(self) -> str:
        return self.login or self.username or self.email or ""


class SignOut(Input):
    everywhere: bool = False


class ProfileUpdate(Input):
    first_name: OneLine | None = Field(default=None, max_length=100)
    last_name: OneLine | None = Field(default=None, max_length=100)
    email: OneLine | None = Field(default=None, min_length=3, max_length=320)
    new_password: str | None = Field(default=None, min_length=1, max_length=MAX_LENGTH)
    current_password: str | None = Field(default=None, max_length=MAX_LENGTH)


class VerifyEmail(Input):
    code: OneLine = Field(min_length=1, max_length=32)
    email: OneLine | None = Field(default=None, max_length=320)


class ResendVerification(Input):
    email: OneLine | None = Field(default=None, max_length=320)


class PasswordResetRequest(Input):
    email: OneLine = Field(min_length=1, max_length=320)


class PasswordResetConfirm(Input):
    password: str = Password


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    email: str
    email_verified: bool
    first_name: str
    last_name: str
    is_admin: bool
    created_at: datetime


class ApiTokenCreate(Input):
    name: OneLine = Field(min_length=1, max_length=100)
    scope: Literal["read", "write"] = "read"
    expires_at: JsonDatetime | None = Field(default=None, description="UTC; omit for no expiry.")


class ApiTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    scope: Literal["read", "write"]
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The secret: shown this once, never again.")


class Accepted(BaseModel):
    detail: str
