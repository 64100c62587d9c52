"""Use cases: the OPD asks to amend or withdraw a report; editorial decides, ingest reports.

The request and its event are written in one conditional update of the report (embedded
outbox). Then the answer is awaited for a short, bounded time by reading the report again (the
projection of `article.request_decided`, written by whichever replica consumes it), so the
contract holds with any number of replicas: 200 once editorial applied it, 202 while it is
not answered yet or waits for an editor, 409 when editorial refused or declined it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from services.ingest import request_rules as rules
from services.ingest.auth import OpdPrincipal
from services.ingest.domain import ChangedConcurrently, Status
from services.ingest.handlers import Reports
from services.ingest.schemas import ReportIn
from shared.envelope import Envelope, new_id, root_event, utcnow
from shared.events.common import OpdRef
from shared.events.opd_requests import RequestKind, RequestOutcome
from shared.events.reports import (
    REPORT_AMEND_REQUESTED,
    REPORT_WITHDRAW_REQUESTED,
    ReportAmendRequestedV1,
    ReportWithdrawRequestedV1,
)
from shared.logging import correlation_id
from shared.mongo import Document

log = logging.getLogger("warta.ingest.requests")
SOURCE = "ingest"
POLL_SECONDS = 0.1


class OpdRequests:
    def __init__(self, reports: Reports, wait_seconds: float) -> None:
        self.reports, self.wait_seconds = reports, wait_seconds

    async def amend(self, who: OpdPrincipal, report_id: str, payload: ReportIn
                    ) -> tuple[Document, bool]:
        """(the report, whether the amendment is applied); raises RequestRefused when
        editorial refused it within the wait."""
        content, raw = await self.reports.content(who.opd_id, payload)

        def build(doc: Document, request_id: str) -> tuple[Document, Envelope]:
            revision = doc["revision"] + 1
            data = ReportAmendRequestedV1(
                request_id=request_id, report_id=report_id,
                opd=OpdRef.model_validate(doc["opd"]), content=content, revision=revision,
                requested_at=utcnow())
            request = {"content": content.model_dump(), "body_raw": raw, "revision": revision}
            return request, _event(REPORT_AMEND_REQUESTED, report_id, data)

        return await self._request(who, report_id, "amend", build)

    async def withdraw(self, who: OpdPrincipal, report_id: str, reason: str | None = None
                       ) -> tuple[Document, bool]:
        def build(doc: Document, request_id: str) -> tuple[Document, Envelope]:
            data = ReportWithdrawRequestedV1(request_id=request_id, report_id=report_id,
                                             opd_id=who.opd_id, reason=reason,
                                             requested_at=utcnow())
            return {"opd_reason": reason}, _event(REPORT_WITHDRAW_REQUESTED, report_id, data)

        return await self._request(who, report_id, "withdraw", build)

    async def _request(self, who: OpdPrincipal, report_id: str, kind: RequestKind,
                       build: Any) -> tuple[Document, bool]:
        correlation_id.set(report_id)
        for _ in range(3):
            doc = await self.reports.owned(who, report_id)
            requests = list(doc.get("requests", []))
            rules.check_requestable(kind, Status(doc["status"]), requests)
            request_id = new_id()
            extra, event = build(doc, request_id)
            request = {"id": request_id, "kind": kind, "state": rules.SENT,
                       "requested_at": utcnow(), "reason": None, "awaiting_role": None,
                       "answered_at": None, **extra}
            if await self.reports.reports.change(report_id, doc["version"],
                                                 {"requests": [*requests, request]},
                                                 events=[event]):
                log.info("OPD request sent to the desk",
                         extra={"report_id": report_id, "request_kind": kind})
                self.reports.relay_soon(report_id, [event])
                return await self._answer(who, report_id, request_id)
        raise ChangedConcurrently(report_id)

    async def _answer(self, who: OpdPrincipal, report_id: str, request_id: str
                      ) -> tuple[Document, bool]:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            doc = await self.reports.owned(who, report_id)
            request = next(r for r in doc.get("requests", []) if r["id"] == request_id)
            if rules.answered(request) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(POLL_SECONDS)
        state = request["state"]
        if state in (RequestOutcome.DECLINED.value, RequestOutcome.REFUSED.value):
            raise rules.RequestRefused(request)
        return doc, state in (RequestOutcome.APPLIED.value, RequestOutcome.ACCEPTED.value)


def _event(type_: str, report_id: str, data: Any) -> Envelope:
    return root_event(type=type_, version=1, source=SOURCE, subject=report_id, data=data)
