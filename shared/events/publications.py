"""Events of the publication stream, written by the publisher, one per (article, channel)."""

from __future__ import annotations

from datetime import datetime

from shared.envelope import EventData
from shared.events.common import OpdRef

PUBLICATION_PUBLISHED = "publication.published"
PUBLICATION_FAILED = "publication.failed"


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
