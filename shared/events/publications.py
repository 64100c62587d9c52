"""Events of the publication stream, written by the publisher, one per (article, channel)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData
from shared.events.common import OpdRef

PUBLICATION_PUBLISHED = "publication.published"
PUBLICATION_FAILED = "publication.failed"
PUBLICATION_CANCELLED = "publication.cancelled"


class PublicationPublishedV1(EventData):
    publication_id: str
    article_id: str
    report_id: str
    channel: str
    external_id: str
    url: str
    published_at: datetime
    opd: OpdRef
    headline: str
    summary: str | None = None
    category: str


class PublicationFailedV1(EventData):
    publication_id: str
    article_id: str
    report_id: str
    channel: str
    error: str
    attempts: int
    dead: bool


class PublicationCancelledV1(EventData):
    """Called off before it went out: by a chief editor, or by a cancelled embargo."""

    publication_id: str
    article_id: str
    report_id: str
    channel: str
    cancelled_by: str = Field(description="the chief editor's username, or `editorial`")
    reason: str | None = None
    cancelled_at: datetime
