"""Events in: remember approved, published, corrected and taken-down articles; fan out deliveries.

A press release goes out once an article is both approved (its content) and published (its URL),
in whichever order the two events arrive; a coverage invitation goes out at approval when the
activity is still ahead. A correction sends a "Ralat" to everyone the press release reached; a
take-down cancels what is not sent yet and sends a withdrawal notice to everyone it reached.
Each (article, journalist, kind[, version]) is one delivery record with a derived `_id`,
inserted in bulk, so a redelivered event creates nothing new; the sender (sender.py) is woken.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from services.notifier import domain
from services.notifier.channel_fanout import channel_records
from services.notifier.digest_repository import DigestRepository
from services.notifier.digest_rules import waits_for_digest
from services.notifier.domain import CHANNEL_EMAIL, DeliveryState, Kind, Subscription
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1, ArticleTakenDownV1
from shared.events.publications import PublicationPublishedV1
from shared.failures import TransientError
from shared.mongo import Document

log = logging.getLogger("warta.notifier")

SERVICE = "notifier"
TAKEN_DOWN_REASON = "article taken down before it was sent"
INSERT_CHUNK = 500  # records per bulk insert: bounded memory whatever the audience


def event_ref(envelope: Envelope) -> Document:
    return {"id": envelope.id, "type": envelope.type, "version": envelope.version,
            "occurred_at": envelope.occurred_at, "source": envelope.source,
            "subject": envelope.subject, "correlation_id": envelope.correlation_id}


def snapshot_of(data: ArticleApprovedV1, envelope: Envelope) -> Document:
    return {
        "headline": data.headline, "summary": data.summary, "body_html": data.body_html,
        "category": data.category, "opd": data.opd.model_dump(mode="json"),
        "press_invitation": (data.press_invitation.model_dump()
                             if data.press_invitation else None),
        "attachments": [a.model_dump(mode="json") for a in data.attachments],
        "activity_at": data.activity_at, "location": data.location,
        "article_version": data.article_version, "event": event_ref(envelope),
    }


class Notifications:
    def __init__(self, journalists: JournalistRepository,
                 articles: ArticleRepository, deliveries: DeliveryRepository, *,
                 wake: Callable[[], None], digests: DigestRepository | None = None) -> None:
        self.journalists = journalists
        self.digests = digests  # journalists who chose a daily digest get releases there
        self.articles = articles
        self.deliveries = deliveries
        self.wake = wake

    # ---- events in --------------------------------------------------------------------------

    async def article_approved(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleApprovedV1)
        await self.articles.record(data.article_id, envelope.id, {
            "report_id": data.report_id, "approved": snapshot_of(data, envelope)})
        article = await self._article(data.article_id)
        # An embargoed article's invitation waits for its publication (never before).
        embargoed = domain.invitation_is_upcoming(data.publish_at, utcnow())
        if data.press_invitation and not embargoed and domain.invitation_is_upcoming(
                data.press_invitation.starts_at, utcnow()):
            await self._fan_out(article, Kind.INVITATION, envelope, self._subscribers(article))
        if article.get("published"):
            await self._fan_out(article, Kind.PRESS_RELEASE, envelope,
                                self._subscribers(article))

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
            invitation = article["approved"].get("press_invitation") or {}
            if domain.invitation_is_upcoming(invitation.get("starts_at"), utcnow()):
                # an embargoed one's, held at approval (the same records: sent once)
                await self._fan_out(article, Kind.INVITATION, envelope,
                                    self._subscribers(article))
            await self._fan_out(article, Kind.PRESS_RELEASE, envelope,
                                self._subscribers(article))

    async def article_corrected(self, envelope: Envelope) -> None:
        """The corrected content replaces the snapshot (what is not sent yet goes out
        corrected); everyone the press release reached gets a "Ralat" for this version."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleCorrectedV1)
        snapshot = snapshot_of(data, envelope)
        await self.articles.record(data.article_id, envelope.id, {
            "report_id": data.report_id, "approved": snapshot,
            f"corrections.v{data.article_version}": {"correction_note": data.correction_note,
                                                     "at": data.decided_at}})
        article = await self._article(data.article_id)
        reached = await self.deliveries.recipients(data.article_id,
                                                   [Kind.PRESS_RELEASE.value])
        await self._fan_out(article, Kind.CORRECTION, envelope, self._known(reached),
                            occasion=f"v{data.article_version}")

    async def article_taken_down(self, envelope: Envelope) -> None:
        """Recorded first, so a sender that claims a delivery afterwards sees it and cancels;
        then every delivery nobody is sending is cancelled (again, harmlessly, on redelivery),
        and everyone the article reached is told it is withdrawn."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleTakenDownV1)
        await self.articles.record(data.article_id, envelope.id, {
            "report_id": data.report_id, "taken_down": {
                "reason": data.reason, "at": data.decided_at, "event": event_ref(envelope)}},
            only_if_missing="taken_down")
        cancelled = await self.deliveries.cancel_for_article(
            data.article_id, TAKEN_DOWN_REASON,
            [Kind.PRESS_RELEASE.value, Kind.INVITATION.value, Kind.CORRECTION.value])
        log.info("deliveries cancelled by a take-down", extra={
            "article_id": data.article_id, "count": cancelled})
        article = await self.articles.get(data.article_id)
        if article is None or not article.get("approved"):
            return  # never announced: nobody to tell
        reached = await self.deliveries.recipients(
            data.article_id, [Kind.PRESS_RELEASE.value, Kind.INVITATION.value])
        await self._fan_out(article, Kind.WITHDRAWAL, envelope, self._known(reached))

    # ---- fan-out ----------------------------------------------------------------------------

    async def _article(self, article_id: str) -> Document:
        article = await self.articles.get(article_id)
        if article is None:
            raise TransientError(f"article {article_id} not readable after write")
        return article

    async def _subscribers(self, article: Document) -> AsyncIterator[Document]:
        approved = article["approved"]
        opd_id, category = approved["opd"]["id"], approved["category"]
        async for journalist in self.journalists.following(opd_id,
                                                           approved["opd"].get("region") or ""):
            subscription = Subscription(journalist.get("opd_ids", []),
                                        journalist.get("categories", []),
                                        journalist.get("active", False))
            if subscription.matches(opd_id, category):
                yield journalist

    async def _known(self, journalist_ids: list[str]) -> AsyncIterator[Document]:
        for start in range(0, len(journalist_ids), INSERT_CHUNK):
            found = await self.journalists.many(journalist_ids[start:start + INSERT_CHUNK])
            for journalist in found.values():
                yield journalist

    async def _fan_out(self, article: Document, kind: Kind, cause: Envelope,
                       audience: AsyncIterator[Document], occasion: str = "") -> None:
        if article.get("taken_down") and kind is not Kind.WITHDRAWAL:
            return  # e.g. a publication event arriving after the take-down
        now, created, slot = utcnow(), 0, 0
        chunk: list[Document] = []
        async for journalist in audience:
            if self.digests is not None and waits_for_digest(kind, journalist):
                await self.digests.collect(journalist, article["_id"], now)
                continue
            chunk.append(self._record(article, kind, cause, journalist, slot=slot, now=now,
                                      occasion=occasion))
            chunk += channel_records(chunk[-1], journalist)  # WhatsApp, Telegram, webhook
            slot += 1
            if len(chunk) >= INSERT_CHUNK:
                created += await self.deliveries.create_many(chunk)
                chunk = []
                self.wake()  # the first recipients need not wait for the last ones' records
        created += await self.deliveries.create_many(chunk)
        if created:
            log.info("deliveries created", extra={"article_id": article["_id"],
                                                  "kind": kind.value, "count": created})
            # The sender loop sends them now: a slow SMTP server never holds up the consumer.
            self.wake()

    @staticmethod
    def _record(article: Document, kind: Kind, cause: Envelope, journalist: Document, *,
                slot: int, now: Any, occasion: str) -> Document:
        return {
            "_id": domain.delivery_id(article["_id"], journalist["_id"], kind, occasion),
            "article_id": article["_id"], "journalist_id": journalist["_id"],
            "recipient": journalist["email"], "recipient_name": journalist["name"],
            "channel": CHANNEL_EMAIL, "kind": kind.value, "occasion": occasion,
            "priority": domain.priority_of(kind), "slot": slot,
            "state": DeliveryState.PENDING.value, "attempts": 0, "log": [],
            "error": None, "sent_at": None, "next_attempt_at": now, "lease_until": None,
            "lease_owner": None, "cause": event_ref(cause), "created_at": now,
            "updated_at": now, "outbox": [],
        }
