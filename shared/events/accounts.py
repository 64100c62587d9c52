"""Events of the account stream, written by editorial (which owns the accounts).

Each event carries the account's whole state after the change, keyed by username, so a
projection needs only the newest one (`account_version` orders them) and the topic can be
compacted without losing an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.envelope import EventData

ACCOUNT_CREATED = "account.created"
ACCOUNT_UPDATED = "account.updated"
ACCOUNT_DISABLED = "account.disabled"

Role = Literal["editor", "chief_editor", "admin"]


class AccountStateV1(EventData):
    username: str = Field(examples=["redaktur1"])
    name: str = Field(examples=["Rina Wulandari"])
    email: str = Field(examples=["rina@diskominfo.makassarkota.go.id"])
    role: Role
    active: bool
    phone: str | None = Field(default=None, examples=["+6281234567890"],
                              description="E.164; where set, staff alerts go by WhatsApp too")
    account_version: int = Field(ge=1, description="bumped by every change of the account")
    changed_at: datetime
    changed_by: str = Field(description="the admin who made the change, or 'bootstrap'")


class AccountCreatedV1(AccountStateV1):
    pass


class AccountUpdatedV1(AccountStateV1):
    """A change of name, email or role, or an account enabled again."""


class AccountDisabledV1(AccountStateV1):
    """From now on every service refuses this account's tokens."""
