"""Use case: keep the OPD's view of each report in step with editorial and publisher events.

Each event is applied at most once (its id joins `applied_events` in the same conditional update)
and only through the pure rules of `domain`, which never move a report backwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from services.ingest.domain import (
    Decision,
    Projection,
    PublishedLink,
    Status,
    after_decision,
    after_publication,
    after_reschedule,
)
from services.ingest.repository import ReportRepository
from services.ingest.request_rules import Answer, after_answer
from shared.envelope import Envelope
from shared.events import parse_data
from shared.events.articles import (
    ArticleApprovedV1,
    ArticleCorrectedV1,
    ArticleDecision,
    ArticleRejectedV1,
    ArticleRevisionRequestedV1,
    ArticleTakenDownV1,
)
from shared.events.opd_requests import ArticleRequestDecidedV1
from shared.events.publications import PublicationPublishedV1
from shared.events.schedules import ArticleRescheduledV1
from shared.failures import TransientError
from shared.idempotency import APPLIED_FIELD
from shared.logging import correlation_id
from shared.mongo import Document

log = logging.getLogger("warta.ingest.projection")
Step = Callable[[Projection], Projection | None]


class StatusProjection:
    def __init__(self, reports: ReportRepository) -> None:
        self.reports = reports

    async def article_decided(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleDecision)
        decision, reason, publish_at = _decision_of(data)

        def step(p: Projection) -> Projection | None:
            return after_decision(p, decision, data.article_version, data.decided_at,
                                  reason=reason, publish_at=publish_at)

        await self._apply(envelope, data.report_id, step)

    async def publication_published(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, PublicationPublishedV1)
        link = PublishedLink(channel=data.channel, url=data.url, published_at=data.published_at)
        await self._apply(envelope, data.report_id, lambda p: after_publication(p, link))

    async def article_rescheduled(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleRescheduledV1)
        await self._apply(envelope, data.report_id, lambda p: after_reschedule(
            p, data.article_version, None if data.cancelled else data.publish_at, data.reason))

    async def request_decided(self, envelope: Envelope) -> None:
        """Editorial's answer to the OPD's amend or withdraw request."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleRequestDecidedV1)
        answer = Answer(request_id=data.request_id, outcome=data.outcome, reason=data.reason,
                        awaiting_role=data.awaiting_role, status=data.status,
                        article_version=data.article_version, decided_at=data.decided_at)
        correlation_id.set(data.report_id)
        for _ in range(5):
            doc = await self.reports.get_full(data.report_id)
            if doc is None or envelope.id in doc.get(APPLIED_FIELD, []):
                return
            fields = after_answer(doc, answer)
            if fields is None:
                return  # an unknown request, or one already answered for good
            if await self.reports.change(data.report_id, doc["version"], fields,
                                         applied_event=envelope.id):
                log.info("OPD request answered", extra={"outcome": data.outcome.value,
                                                        "request_kind": data.kind})
                return
        raise TransientError(f"report {data.report_id} kept changing; will retry")

    async def _apply(self, envelope: Envelope, report_id: str, step: Step) -> None:
        correlation_id.set(report_id)
        for _ in range(5):
            doc = await self.reports.get_full(report_id)
            if doc is None:  # not a report of this ingest (e.g. seeded straight into editorial)
                log.warning("status event for an unknown report; skipped",
                            extra={"event_type": envelope.type, "event_id": envelope.id})
                return
            if envelope.id in doc.get(APPLIED_FIELD, []):
                return
            after = step(_projection_of(doc))
            if after is None:
                return  # changes nothing now, and never will: the projection only moves forward
            if await self.reports.change(report_id, doc["version"], _fields_of(after),
                                         applied_event=envelope.id):
                log.info("report status projected",
                         extra={"event_type": envelope.type, "status": after.status.value})
                return
        raise TransientError(f"report {report_id} kept changing; will retry")


def _decision_of(data: ArticleDecision) -> tuple[Decision, str | None, Any]:
    # Order matters: a correction is also an approval (ArticleCorrectedV1 extends it).
    if isinstance(data, ArticleCorrectedV1):
        return Decision.CORRECTED, data.correction_note, None
    if isinstance(data, ArticleApprovedV1):
        return Decision.APPROVED, None, data.publish_at
    if isinstance(data, ArticleRevisionRequestedV1):
        return Decision.REVISION_REQUESTED, data.reason, None
    if isinstance(data, ArticleRejectedV1):
        return Decision.REJECTED, data.reason, None
    if isinstance(data, ArticleTakenDownV1):
        return Decision.TAKEN_DOWN, data.reason, None
    return Decision.CLAIMED, None, None


def _projection_of(doc: Document) -> Projection:
    links = tuple(PublishedLink(**link) for link in doc.get("publications", []))
    return Projection(status=Status(doc["status"]), article_version=doc.get("article_version", 0),
                      reason=doc.get("status_reason"), last_amended_at=doc.get("last_amended_at"),
                      links=links, publish_at=doc.get("publish_at"))


def _fields_of(p: Projection) -> dict[str, Any]:
    return {"status": p.status.value, "status_reason": p.reason,
            "article_version": p.article_version, "publish_at": p.publish_at,
            "publications": [asdict(link) for link in p.links]}
