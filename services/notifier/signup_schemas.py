"""Public sign-up input and output: E.164 WhatsApp numbers, consent per channel, the challenge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

DEFAULT_REGION = "ID"  # 0812... is an Indonesian mobile number: +62812...

Agreeable = Literal["email", "whatsapp", "telegram"]


def e164(raw: str) -> str:
    """A WhatsApp number as E.164 (+62812...); ValueError with an Indonesian message."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("nomor WhatsApp tidak dapat dibaca; contoh: 0812-3456-7890") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("nomor WhatsApp tidak valid; contoh: 0812-3456-7890")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["Andi Wijaya"])
    outlet: str = Field(min_length=1, max_length=120, examples=["Harian Makassar"])
    email: EmailStr = Field(max_length=254)
    whatsapp: str | None = Field(default=None, max_length=32, examples=["0812-3456-7890"])
    telegram: str | None = Field(default=None, max_length=33, pattern=r"^@?[A-Za-z0-9_]{5,32}$")
    consents: list[Agreeable] = Field(min_length=1, max_length=3,
                                      description="channels whose consent text was agreed")
    regions: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=50,
        description="OPD regions to follow (as the OPD register spells them); empty = all")
    challenge_token: str = Field(min_length=1, max_length=600)
    challenge_answer: str = Field(min_length=1, max_length=8)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("name", "outlet")
    @classmethod
    def _clean(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("tidak boleh kosong")
        return cleaned

    @field_validator("whatsapp")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value) if value and value.strip() else None

    @field_validator("telegram")
    @classmethod
    def _handle(cls, value: str | None) -> str | None:
        return value.lstrip("@") if value else None


class ChallengeOut(BaseModel):
    question: str
    token: str
    expires_at: datetime


class SignupOut(BaseModel):
    status: Literal["pending"] = "pending"
    message: str
    whatsapp_token: str | None = Field(
        default=None, description="send it with the code received by WhatsApp")


class WhatsAppCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=600)
    code: Annotated[str, Field(pattern=r"^\s*[0-9]{6}\s*$")]


class ConfirmedOut(BaseModel):
    status: Literal["confirmed"] = "confirmed"
    channel: str
    message: str
