"""Use cases driven by other services' events: reports arriving, amended, withdrawn; publication."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.editorial.domain import ALLOWED_FROM, Action, Status
from services.editorial.repository import ArticleRepository
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.publications import PublicationPublishedV1
from shared.events.reports import ReportAmendedV1, ReportSubmittedV1, ReportWithdrawnV1
from shared.failures import TransientError
from shared.idempotency import APPLIED_FIELD
from shared.mongo import Document

log = logging.getLogger("warta.editorial.intake")


class Intake:
    def __init__(self, articles: ArticleRepository) -> None:
        self.articles = articles

    async def report_submitted(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ReportSubmittedV1)
        content = data.content.model_dump(mode="json")
        now = utcnow()
        article = {
            "_id": data.report_id, "report_id": data.report_id, "status": Status.SUBMITTED.value,
            "opd": data.opd.model_dump(mode="json"), "headline": content.pop("title"),
            **content, "report_revision": 1, "version": 1, "received_at": data.submitted_at,
            "created_at": now, "updated_at": now, APPLIED_FIELD: [envelope.id],
            "history": [{"action": "receive", "by": f"opd:{data.opd.code}", "at": now}],
            "versions": [], "outbox": [],
        }
        if await self.articles.add(article):
            log.info("report received into the queue", extra={"article_id": data.report_id})

    async def report_amended(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ReportAmendedV1)
        content = data.content.model_dump(mode="json")
        fields = {"headline": content.pop("title"), **content,
                  "report_revision": data.revision, "status": Status.SUBMITTED.value}
        await self._apply(envelope, data.report_id, Action.AMEND, fields, snapshot=True)

    async def report_withdrawn(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ReportWithdrawnV1)
        await self._apply(envelope, data.report_id, Action.WITHDRAW,
                          {"status": Status.WITHDRAWN.value})

    async def publication_published(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, PublicationPublishedV1)
        link = {f"publications.{data.channel}": {
            "url": data.url, "external_id": data.external_id, "published_at": data.published_at}}

        def decide(article: Document) -> dict[str, Any]:
            # The link is always kept; the status moves only from approved or scheduled, so a
            # take-down that landed meanwhile is never overwritten by `published`.
            if Status(article["status"]) not in ALLOWED_FROM[Action.MARK_PUBLISHED]:
                return link
            return {**link, "status": Status.PUBLISHED.value, "published_at": data.published_at}

        await self._apply(envelope, data.article_id, None, decide)

    async def _apply(self, envelope: Envelope, article_id: str, action: Action | None,
                     fields: dict[str, Any] | Callable[[Document], dict[str, Any]],
                     snapshot: bool = False) -> None:
        """Apply once; an event that no longer fits the article's state is recorded and skipped.

        `fields` may be decided from the article: always from the version the update is
        conditional on, read in this loop, never from an earlier read."""
        for _ in range(5):
            article = await self.articles.get(article_id)
            if article is None:
                raise TransientError(f"article {article_id} not received yet")
            if envelope.id in article.get(APPLIED_FIELD, []):
                return
            change = fields(article) if callable(fields) else fields
            if action is not None and Status(article["status"]) not in ALLOWED_FROM[action]:
                log.warning("event does not fit the article's state; ignored", extra={
                    "event_type": envelope.type, "status": article["status"]})
                change = {}
            history = {"action": envelope.type, "by": envelope.source}
            if await self.articles.change(article_id, article["version"], fields=change,
                                          history=history, events=[], snapshot=snapshot,
                                          applied_event=envelope.id):
                return
        raise TransientError(f"article {article_id} kept changing; will retry")
