"""HTTP models of accounts and tokens: inputs forbid unknown fields; no hash ever goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.mongo import Document

USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountIn(Input):
    username: str = Field(pattern=USERNAME, examples=["redaktur1"])
    name: str = Field(min_length=1, max_length=120, examples=["Rina Wulandari"])
    email: EmailStr = Field(max_length=254, examples=["rina@diskominfo.makassarkota.go.id"])
    role: Literal["editor", "chief_editor", "admin"] = "editor"
    password: str = Field(min_length=12, max_length=256)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class AccountUpdateIn(Input):
    """What an admin may change of an account; fields left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: EmailStr | None = Field(default=None, max_length=254)
    role: Literal["editor", "chief_editor", "admin"] | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() if value is not None else None


class DisableIn(Input):
    reason: str = Field(min_length=1, max_length=500, examples=["Pindah tugas"])


class RefreshIn(Input):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str = Field(description="exchange at POST /v1/auth/refresh for a new pair")
    refresh_expires_in: int


class HistoryOut(BaseModel):
    action: str
    by: str
    at: datetime
    reason: str | None = None


class AccountOut(BaseModel):
    username: str
    name: str
    email: str | None = None  # accounts made before emails were required have none
    role: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime | None = None


class AccountDetailOut(AccountOut):
    history: list[HistoryOut] = Field(default_factory=list, description="the audit trail")


class AccountListOut(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None


def account_out(doc: Document) -> AccountOut:
    return AccountOut.model_validate(_fields(doc))


def account_detail_out(doc: Document) -> AccountDetailOut:
    return AccountDetailOut.model_validate(_fields(doc))


def _fields(doc: Document) -> dict[str, Any]:
    return {**doc, "username": doc["_id"], "version": doc.get("version", 0)}
