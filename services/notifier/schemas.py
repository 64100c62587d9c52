"""HTTP input and output models: inputs forbid unknown fields; outputs expose no internals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from services.notifier.signup_schemas import e164
from shared.mongo import Document

Id = Annotated[str, Field(min_length=1, max_length=64)]
Category = Annotated[str, Field(min_length=1, max_length=60)]
# An OPD's region as the OPD register spells it ("Kota Makassar"); compared by its key.
Region = Annotated[str, Field(max_length=80)]
MAX_REGIONS = 50


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionsIn(Input):
    """What an admin sets; regions left out stay as they are (the journalist's own choice)."""

    opd_ids: list[Id] = Field(default_factory=list, max_length=200,
                              description="OPD ids to follow; empty = every OPD")
    categories: list[Category] = Field(default_factory=list, max_length=50,
                                       description="categories to follow; empty = every one")
    regions: list[Region] | None = Field(
        default=None, max_length=MAX_REGIONS,
        description="OPD regions to follow; empty = every region; left out = unchanged")


class JournalistIn(SubscriptionsIn):
    name: str = Field(min_length=1, max_length=120, examples=["Andi Wijaya"])
    email: EmailStr = Field(max_length=254, examples=["andi@media.example"])
    whatsapp: str | None = Field(default=None, max_length=32, examples=["0812-3456-7890"],
                                 description="stored as E.164 (+62812...); confirmed by a code")
    telegram: str | None = Field(default=None, max_length=64,
                                 description="@username; the chat is bound by the bot's link")

    @field_validator("whatsapp")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return e164(value) if value and value.strip() else None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("name must not be blank")
        return cleaned


class JournalistOut(BaseModel):
    id: str
    name: str
    email: str
    whatsapp: str | None = None
    telegram: str | None = None
    opd_ids: list[str] = []
    categories: list[str] = []
    regions: list[str] = []
    active: bool
    created_at: datetime
    unsubscribed_at: datetime | None = None


class JournalistListOut(BaseModel):
    items: list[JournalistOut]
    next_cursor: str | None


class DeliveryOut(BaseModel):
    id: str
    article_id: str
    recipient_id: str
    recipient: str
    channel: str
    kind: str
    state: str
    attempts: int
    error: str | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


def journalist_out(doc: Document) -> JournalistOut:
    return JournalistOut.model_validate({**doc, "id": doc["_id"]})


def delivery_out(doc: Document) -> DeliveryOut:
    fields: dict[str, Any] = {**doc, "id": doc["_id"], "recipient_id": doc["journalist_id"]}
    return DeliveryOut.model_validate(fields)


class OutcomeCounts(BaseModel):
    sent: int
    failed: int = Field(description="failed for good (SMTP 5xx, or retries spent)")
    retrying: int
    pending: int
    suppressed: int = Field(description="not sent: unsubscribed, or the address bounced")
    cancelled: int = Field(description="not sent: the article was taken down first")


class AttemptOut(BaseModel):
    at: datetime
    channel: str
    answer: str = Field(description="the provider's answer, e.g. the SMTP reply")
    state: str


class MessageLogOut(BaseModel):
    id: str
    recipient_id: str
    recipient: str
    channel: str
    kind: str
    state: str
    attempts: list[AttemptOut]


class DeliveryReportOut(BaseModel):
    article_id: str
    total: OutcomeCounts
    by_kind: dict[str, OutcomeCounts]
    messages: list[MessageLogOut]


def delivery_report_out(summary: Document, messages: list[Document]) -> DeliveryReportOut:
    return DeliveryReportOut.model_validate({**summary, "messages": [
        {**m, "id": m["_id"], "recipient_id": m["journalist_id"], "attempts": m.get("log", [])}
        for m in messages]})
