"""The one envelope every Warta event travels in, and the helpers that fill its ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import uuid_utils
from pydantic import BaseModel, ConfigDict, Field


def new_id() -> str:
    """A UUIDv7: time-ordered, so ids sort by creation."""
    return str(uuid_utils.uuid7())


def utcnow() -> datetime:
    """Now, to the millisecond: BSON dates hold milliseconds, so what we return in an HTTP
    response or an event is exactly what a later read from the database gives back."""
    return to_millis(datetime.now(UTC))


def to_millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class EventData(BaseModel):
    """Base of every event payload: producers are strict, so a typo fails at the source."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(BaseModel):
    """CloudEvents-like: `subject` is the aggregate id and the Kafka key."""

    model_config = ConfigDict(extra="ignore")  # consumers are tolerant of added fields

    id: str = Field(examples=["01936f4e-8d8a-7c4b-9b1e-3a2f1c0d9e8f"])
    type: str = Field(examples=["report.submitted"])
    version: int = Field(ge=1, examples=[1])
    occurred_at: datetime
    source: str = Field(examples=["ingest"])
    subject: str = Field(description="aggregate id; also the Kafka message key")
    correlation_id: str = Field(description="the report id, followed through the whole pipeline")
    causation_id: str | None = Field(default=None, description="id of the event that caused this")
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


def root_event(
    *, type: str, version: int, source: str, subject: str, data: EventData,
    correlation_id: str | None = None,
) -> Envelope:
    """An event that starts a chain (an HTTP request, a CLI command)."""
    return Envelope(
        id=new_id(), type=type, version=version, occurred_at=utcnow(), source=source,
        subject=subject, correlation_id=correlation_id or subject, causation_id=None,
        data=data.model_dump(mode="json"),
    )


def child_event(
    parent: Envelope, *, type: str, version: int, source: str, subject: str, data: EventData,
) -> Envelope:
    """An event caused by `parent`: same correlation id, causation id = parent's id."""
    return Envelope(
        id=new_id(), type=type, version=version, occurred_at=utcnow(), source=source,
        subject=subject, correlation_id=parent.correlation_id, causation_id=parent.id,
        data=data.model_dump(mode="json"),
    )
