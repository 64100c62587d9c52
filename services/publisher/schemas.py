"""HTTP output models: what editors see of a publication; no internals (outbox, cause)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.mongo import Document


class ManualActionOut(BaseModel):
    action: str = Field(examples=["edit"], description="edit or delete")
    hint: str = Field(examples=["Ralat tidak dapat dikirim otomatis ke x; ubah kiriman ini "
                                "secara manual."])
    url: str | None = Field(default=None, description="the post on the network")
    error: str | None = Field(default=None, description="the network's refusal, if any")
    at: datetime


class PublicationOut(BaseModel):
    id: str = Field(examples=["0193...:feed"])
    article_id: str
    report_id: str
    channel: str = Field(examples=["feed"])
    state: str = Field(examples=["published"],
                       description="pending, scheduled, published, failed, dead, taken_down, "
                                   "needs_review (maybe posted: an editor checks, then retries), "
                                   "cancelled")
    attempts: int
    last_error: str | None = None
    external_id: str | None = None
    url: str | None = None
    publish_at: datetime | None = Field(default=None, description="embargo, if any")
    next_attempt_at: datetime | None = Field(
        default=None, description="when a scheduled or failed publication is due")
    published_at: datetime | None = None
    paused: bool = Field(default=False,
                         description="waiting for its channel to be reconnected")
    manual_action: ManualActionOut | None = Field(
        default=None, description="what an editor must do by hand on the network")
    created_at: datetime
    updated_at: datetime


class CancelIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500,
                               examples=["Acara ditunda oleh penyelenggara"])


class PublicationListOut(BaseModel):
    items: list[PublicationOut]


def publication_out(doc: Document) -> PublicationOut:
    due = doc.get("due_at") if doc.get("state") in ("pending", "scheduled", "failed") else None
    return PublicationOut(
        id=doc["_id"], article_id=doc["article_id"], report_id=doc["report_id"],
        channel=doc["channel"], state=doc["state"], attempts=int(doc.get("attempts", 0)),
        last_error=doc.get("error"), external_id=doc.get("external_id"), url=doc.get("url"),
        publish_at=doc.get("publish_at"), next_attempt_at=due,
        published_at=doc.get("published_at"), paused=bool(doc.get("paused")),
        manual_action=doc.get("manual_action"), created_at=doc["created_at"],
        updated_at=doc["updated_at"])
