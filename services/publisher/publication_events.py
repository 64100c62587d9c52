"""The events a publication writes into its outbox: published, failed, needs review, cancelled."""

from __future__ import annotations

from datetime import datetime

from services.publisher.adapters.port import Posted
from shared.envelope import Envelope, child_event
from shared.events.articles import ArticleApprovedV1
from shared.events.publications import (
    PUBLICATION_CANCELLED,
    PUBLICATION_FAILED,
    PUBLICATION_PUBLISHED,
    PublicationCancelledV1,
    PublicationFailedV1,
    PublicationPublishedV1,
)
from shared.mongo import Document

SOURCE = "publisher"


def published_event(cause: Envelope, pub_id: str, article: ArticleApprovedV1, *, channel: str,
                    posted: Posted, now: datetime) -> Envelope:
    return child_event(
        cause, type=PUBLICATION_PUBLISHED, version=1, source=SOURCE,
        subject=article.article_id, data=PublicationPublishedV1(
            publication_id=pub_id, article_id=article.article_id,
            report_id=article.report_id, channel=channel, external_id=posted.external_id,
            url=posted.url, published_at=now, opd=article.opd, headline=article.headline,
            summary=article.summary, category=article.category))


def failed_event(cause: Envelope, pub_id: str, article: ArticleApprovedV1, *, channel: str,
                 error: str, attempts: int, dead: bool) -> Envelope:
    return child_event(
        cause, type=PUBLICATION_FAILED, version=1, source=SOURCE,
        subject=article.article_id, data=PublicationFailedV1(
            publication_id=pub_id, article_id=article.article_id,
            report_id=article.report_id, channel=channel, error=error[:500],
            attempts=attempts, dead=dead))


def cancelled_event(cause: Envelope, doc: Document, *, by: str, reason: str | None,
                    now: datetime) -> Envelope:
    return child_event(
        cause, type=PUBLICATION_CANCELLED, version=1, source=SOURCE,
        subject=doc["article_id"], data=PublicationCancelledV1(
            publication_id=doc["_id"], article_id=doc["article_id"],
            report_id=doc["report_id"], channel=doc["channel"], cancelled_by=by,
            reason=reason, cancelled_at=now))
