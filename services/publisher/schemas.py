"""HTTP output models: what editors see of a publication; no internals (outbox, cause)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.mongo import Document


class PublicationOut(BaseModel):
    id: str = Field(examples=["0193...:feed"])
    article_id: str
    report_id: str
    channel: str = Field(examples=["feed"])
    state: str = Field(examples=["published"],
                       description="pending, scheduled, published, failed, dead, taken_down")
    attempts: int
    last_error: str | None = None
    external_id: str | None = None
    url: str | None = None
    publish_at: datetime | None = Field(default=None, description="embargo, if any")
    next_attempt_at: datetime | None = Field(
        default=None, description="when a scheduled or failed publication is due")
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class PublicationListOut(BaseModel):
    items: list[PublicationOut]


def publication_out(doc: Document) -> PublicationOut:
    due = doc.get("due_at") if doc.get("state") in ("pending", "scheduled", "failed") else None
    return PublicationOut(
        id=doc["_id"], article_id=doc["article_id"], report_id=doc["report_id"],
        channel=doc["channel"], state=doc["state"], attempts=int(doc.get("attempts", 0)),
        last_error=doc.get("error"), external_id=doc.get("external_id"), url=doc.get("url"),
        publish_at=doc.get("publish_at"), next_attempt_at=due,
        published_at=doc.get("published_at"), created_at=doc["created_at"],
        updated_at=doc["updated_at"])
