"""Use cases driven by other services' events: reports arriving, the OPD's amend and withdraw
requests (decided in `opd_requests`), publications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from services.editorial.agenda_rules import invitation_at
from services.editorial.domain import ALLOWED_FROM, Action, Status
from services.editorial.opd_requests import Arrival, OpdRequests
from services.editorial.repository import ArticleRepository
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.publications import PublicationPublishedV1
from shared.events.reports import (
    ReportAmendedV1,
    ReportAmendRequestedV1,
    ReportSubmittedV1,
    ReportWithdrawnV1,
    ReportWithdrawRequestedV1,
)
from shared.failures import PermanentError, TransientError
from shared.idempotency import APPLIED_FIELD
from shared.mongo import Document

log = logging.getLogger("warta.editorial.intake")


class Intake:
    def __init__(self, articles: ArticleRepository, requests: OpdRequests | None = None
                 ) -> None:
        self.articles = articles
        self.requests = requests or OpdRequests(articles, _relayed_by_the_sweep)

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
            "versions": [], "outbox": [], "opd_request": None,
            "invitation_at": invitation_at(content),  # the agenda's index of activities
        }
        if await self.articles.add(article):
            log.info("report received into the queue", extra={"article_id": data.report_id})

    async def amend_requested(self, envelope: Envelope) -> None:
        """The OPD asks to amend (report.amended from an older ingest is the same request)."""
        data = parse_data(envelope)
        assert isinstance(data, ReportAmendRequestedV1 | ReportAmendedV1)
        request_id = data.request_id if isinstance(data, ReportAmendRequestedV1) else envelope.id
        at = data.requested_at if isinstance(data, ReportAmendRequestedV1) else data.amended_at
        await self.requests.arrive(envelope, data.report_id, Arrival(
            request_id=request_id, kind="amend", requested_at=at,
            content=data.content.model_dump(mode="json"), revision=data.revision))

    async def withdraw_requested(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ReportWithdrawRequestedV1 | ReportWithdrawnV1)
        if isinstance(data, ReportWithdrawRequestedV1):
            arrival = Arrival(request_id=data.request_id, kind="withdraw",
                              requested_at=data.requested_at, opd_reason=data.reason)
        else:
            arrival = Arrival(request_id=envelope.id, kind="withdraw",
                              requested_at=data.withdrawn_at)
        await self.requests.arrive(envelope, data.report_id, arrival)

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

        # An article is editorial's before any publication of it exists: one it does not have
        # never arrives later. Waiting for it would hold every publication behind it on the
        # partition for ever (a transient error is given back, never dead-lettered).
        await self._apply(envelope, data.article_id, None, decide, unknown_is_permanent=True)

    async def _apply(self, envelope: Envelope, article_id: str, action: Action | None,
                     fields: dict[str, Any] | Callable[[Document], dict[str, Any]],
                     snapshot: bool = False, *, unknown_is_permanent: bool = False) -> None:
        """Apply once; an event that no longer fits the article's state is recorded and skipped.

        `fields` may be decided from the article: always from the version the update is
        conditional on, read in this loop, never from an earlier read."""
        for _ in range(5):
            article = await self.articles.get(article_id)
            if article is None:
                if unknown_is_permanent:
                    raise PermanentError(f"article {article_id} is not editorial's")
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


async def _relayed_by_the_sweep(_: str) -> int:
    return 0
