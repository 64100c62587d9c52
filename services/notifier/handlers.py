"""Events in: remember approved, published and taken-down articles; fan out delivery records.

A press release goes out once an article is both approved (its content) and published (its URL),
in whichever order the two events arrive; a coverage invitation goes out at approval when the
activity is still ahead. Each (article, journalist, kind) is one delivery record with a derived
`_id`, so a redelivered event creates nothing new; the sender (sender.py) is woken to send them.
A take-down cancels what is not sent yet, and nothing is fanned out for the article afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from services.notifier import domain
from services.notifier.domain import CHANNEL_EMAIL, DeliveryState, Kind, Subscription
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleApprovedV1, ArticleTakenDownV1
from shared.events.publications import PublicationPublishedV1
from shared.failures import TransientError
from shared.mongo import Document

log = logging.getLogger("warta.notifier")

SERVICE = "notifier"
TAKEN_DOWN_REASON = "article taken down before it was sent"


def event_ref(envelope: Envelope) -> Document:
    return {"id": envelope.id, "type": envelope.type, "version": envelope.version,
            "occurred_at": envelope.occurred_at, "source": envelope.source,
            "subject": envelope.subject, "correlation_id": envelope.correlation_id}


class Notifications:
    def __init__(self, journalists: JournalistRepository,
                 articles: ArticleRepository, deliveries: DeliveryRepository, *,
                 wake: Callable[[], None]) -> None:
        self.journalists = journalists
        self.articles = articles
        self.deliveries = deliveries
        self.wake = wake

    # ---- events in --------------------------------------------------------------------------

    async def article_approved(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleApprovedV1)
        snapshot = {
            "headline": data.headline, "summary": data.summary, "body_html": data.body_html,
            "category": data.category, "opd": data.opd.model_dump(mode="json"),
            "press_invitation": (data.press_invitation.model_dump()
                                 if data.press_invitation else None),
            "article_version": data.article_version, "event": event_ref(envelope),
        }
        await self.articles.record(data.article_id, envelope.id,
                                   {"report_id": data.report_id, "approved": snapshot})
        article = await self.articles.get(data.article_id)
        if article is None:
            raise TransientError(f"article {data.article_id} not readable after write")
        if data.press_invitation and domain.invitation_is_upcoming(
                data.press_invitation.starts_at, utcnow()):
            await self._fan_out(article, Kind.INVITATION, envelope)
        if article.get("published"):
            await self._fan_out(article, Kind.PRESS_RELEASE, envelope)

    async def publication_published(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, PublicationPublishedV1)
        first = {"url": data.url, "channel": data.channel, "published_at": data.published_at,
                 "event": event_ref(envelope)}
        await self.articles.record(data.article_id, envelope.id,
                                   {"report_id": data.report_id, "published": first},
                                   only_if_missing="published")
        article = await self.articles.get(data.article_id)
        if article and article.get("approved"):
            await self._fan_out(article, Kind.PRESS_RELEASE, envelope)

    async def article_taken_down(self, envelope: Envelope) -> None:
        """Recorded first, so a sender that claims a delivery afterwards sees it and cancels;
        then every delivery nobody is sending is cancelled (again, harmlessly, on redelivery)."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleTakenDownV1)
        await self.articles.record(data.article_id, envelope.id, {
            "report_id": data.report_id, "taken_down": {
                "reason": data.reason, "at": data.decided_at, "event": event_ref(envelope)}},
            only_if_missing="taken_down")
        cancelled = await self.deliveries.cancel_for_article(data.article_id, TAKEN_DOWN_REASON)
        log.info("deliveries cancelled by a take-down", extra={
            "article_id": data.article_id, "count": cancelled})

    # ---- fan-out ----------------------------------------------------------------------------

    async def _fan_out(self, article: Document, kind: Kind, cause: Envelope) -> None:
        if article.get("taken_down"):
            return  # e.g. a publication event arriving after the take-down
        approved = article["approved"]
        opd_id, category = approved["opd"]["id"], approved["category"]
        now = utcnow()
        created: list[str] = []
        async for journalist in self.journalists.following(opd_id):
            subscription = Subscription(journalist.get("opd_ids", []),
                                        journalist.get("categories", []),
                                        journalist.get("active", False))
            if not subscription.matches(opd_id, category):
                continue
            delivery_id = domain.delivery_id(article["_id"], journalist["_id"], kind)
            record = {
                "_id": delivery_id, "article_id": article["_id"],
                "journalist_id": journalist["_id"], "recipient": journalist["email"],
                "recipient_name": journalist["name"], "channel": CHANNEL_EMAIL,
                "kind": kind.value, "state": DeliveryState.PENDING.value, "attempts": 0,
                "error": None, "sent_at": None, "next_attempt_at": now, "lease_until": None,
                "cause": event_ref(cause), "created_at": now, "updated_at": now,
                "outbox": [],
            }
            if await self.deliveries.create(record):
                created.append(delivery_id)
        if created:
            log.info("deliveries created", extra={"article_id": article["_id"],
                                                  "kind": kind.value, "count": len(created)})
            # The sender loop sends them now: a slow SMTP server never holds up the consumer.
            self.wake()
