"""HTTP models of accounts and tokens: inputs forbid unknown fields; no hash ever goes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.mongo import Document

USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"
PHONE = Field(default=None, max_length=32, examples=["0812-3456-7890"],
              description="WhatsApp number for the notifier's alerts (stored as E.164); "
                          "an empty string removes it")


def e164(raw: str | None) -> str | None:
    """0812... -> +62812...: the number as the notifier's WhatsApp sender wants it."""
    if raw is None or not raw.strip():
        return None if raw is None else ""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("nomor telepon tidak dapat dibaca; contoh: 0812-3456-7890") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("nomor telepon tidak valid; contoh: 0812-3456-7890")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountIn(Input):
    username: str = Field(pattern=USERNAME, examples=["redaktur1"])
    name: str = Field(min_length=1, max_length=120, examples=["Rina Wulandari"])
    email: EmailStr = Field(max_length=254, examples=["rina@diskominfo.makassarkota.go.id"])
    role: Literal["editor", "chief_editor", "admin"] = "editor"
    password: str = Field(min_length=12, max_length=256)
    phone: str | None = PHONE

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class AccountUpdateIn(Input):
    """What an admin may change of an account; fields left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: EmailStr | None = Field(default=None, max_length=254)
    role: Literal["editor", "chief_editor", "admin"] | None = None
    phone: str | None = PHONE

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value)

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
    phone: str | None = None
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
