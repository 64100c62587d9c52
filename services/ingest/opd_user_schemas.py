"""HTTP models of OPD user accounts: the admin's user API and the OPD login and password links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.ingest.opd_user_domain import PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN

Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
USERNAME_PATH = Path(pattern=USERNAME_PATTERN)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpdUserIn(_Input):
    """No `password`: the user is mailed a link to set one (valid 72 hours)."""

    username: str = Field(pattern=USERNAME_PATTERN, examples=["humas.dinkes"])
    name: str = Field(min_length=2, max_length=120)
    email: EmailStr = Field(max_length=254)
    password: Password | None = None


class OpdUserOut(BaseModel):
    username: str
    opd_code: str
    name: str
    email: str
    active: bool
    created_at: datetime


class OpdLoginIn(_Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class OpdTokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the scheme's name)
    expires_in: int = Field(description="seconds")
    username: str
    name: str
    opd_code: str
    opd_name: str
    opd_timezone: str = Field(description="the OPD's IANA time zone: its "
                              "people read and type times in it")


class ResetRequestIn(_Input):
    email: EmailStr = Field(max_length=254)


class ResetConfirmIn(_Input):
    token: str = Field(min_length=16, max_length=128)
    password: Password
