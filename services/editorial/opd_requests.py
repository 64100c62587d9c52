"""Use cases: an OPD's amend or withdraw request arrives; an editor accepts or declines it.

Each step is one conditional update of the article carrying `article.request_decided` (and, for
a take-down, `article.taken_down`) in its outbox, relayed at once, so ingest learns the answer
from the stream; the article keeps the request (`opd_request`) with its outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.editorial import opd_request_rules as rules
from services.editorial.agenda_rules import invitation_at
from services.editorial.claims import claim_of
from services.editorial.handlers import VersionConflict
from services.editorial.repository import ArticleRepository
from shared.auth import ROLES, Principal
from shared.envelope import Envelope, root_event, utcnow
from shared.events import articles as ev
from shared.events.opd_requests import (
    ARTICLE_REQUEST_DECIDED,
    ArticleRequestDecidedV1,
    RequestKind,
    RequestOutcome,
)
from shared.failures import PermanentError, TransientError
from shared.idempotency import APPLIED_FIELD
from shared.mongo import Document
from shared.vocabulary import ArticleStatus as Status

log = logging.getLogger("warta.editorial.opd_requests")
SOURCE = "editorial"


class RequestMissing(Exception):
    """The article has no OPD request waiting for a decision."""


class NotYours(Exception):
    """The caller may not decide this request (another editor holds the article, or it is a
    take-down request, which is the chief editor's)."""


@dataclass(frozen=True)
class Arrival:
    """A request as it arrives from ingest."""

    request_id: str
    kind: RequestKind
    requested_at: Any
    content: dict[str, Any] | None = None  # an amendment's content, in the report's shape
    revision: int | None = None
    opd_reason: str | None = None


@dataclass
class OpdRequests:
    articles: ArticleRepository
    relay: Callable[[str], Awaitable[int]]

    async def arrive(self, envelope: Envelope, article_id: str, arrival: Arrival) -> None:
        for _ in range(5):
            article = await self.articles.get(article_id)
            if article is None:  # its report.submitted came first on the same key: never
                raise PermanentError(f"article {article_id} is not editorial's")
            if envelope.id in article.get(APPLIED_FIELD, []):
                return
            status = Status(article["status"])
            routing = rules.route(arrival.kind, status)
            request = _request(arrival, routing)
            fields: dict[str, Any] = {"opd_request": request}
            snapshot = False
            if routing.route is rules.Route.APPLY:
                fields.update(_effect(arrival.kind, request))
                snapshot = arrival.kind == "amend"
            after = Status(fields.get("status", status))
            event = _answer(article, request, after, SOURCE)
            history = {"action": f"opd_{arrival.kind}_{request['state']}",
                       "by": f"opd:{article['opd']['code']}", "note": routing.reason}
            if await self.articles.change(article_id, article["version"], fields=fields,
                                          history=history, events=[event], snapshot=snapshot,
                                          applied_event=envelope.id):
                log.info("OPD request answered", extra={"article_id": article_id,
                                                        "outcome": request["state"]})
                await self.relay(article_id)
                return
        raise TransientError(f"article {article_id} kept changing; will retry")

    async def pending(self, article_id: str) -> Document:
        article = await self.articles.get(article_id)
        if article is None or not article.get("opd_request"):
            raise RequestMissing(article_id)
        return article

    async def waiting(self, limit: int) -> list[Document]:
        found = self.articles.collection.find({"opd_request.state": RequestOutcome.PENDING.value},
                                              {"outbox": 0, "history": 0, "versions": 0})
        docs = [doc async for doc in found.sort("opd_request.requested_at", 1).limit(limit)]
        return docs

    async def accept(self, article_id: str, who: Principal) -> Document:
        article, request = await self._decidable(article_id, who)
        status = Status(article["status"])
        after = rules.status_after_accept(request["kind"], status)
        decided = {**request, "state": RequestOutcome.ACCEPTED.value, "decided_by": who.subject,
                   "decided_at": utcnow()}
        fields = {"opd_request": decided, **_effect(request["kind"], request, after)}
        events = [_answer(article, decided, after, who.subject)]
        if after is Status.TAKEN_DOWN:  # first, so ingest shows the take-down with its reason
            reason = "Ditarik atas permintaan OPD" + (
                f": {request['opd_reason']}" if request.get("opd_reason") else ".")
            events.insert(0, _taken_down(article, who, reason))
        return await self._commit(article, who, fields, events,
                                  action=f"accept_opd_{request['kind']}",
                                  snapshot=request["kind"] == "amend")

    async def decline(self, article_id: str, reason: str, who: Principal) -> Document:
        article, request = await self._decidable(article_id, who)
        decided = {**request, "state": RequestOutcome.DECLINED.value, "reason": reason,
                   "decided_by": who.subject, "decided_at": utcnow()}
        event = _answer(article, decided, Status(article["status"]), who.subject)
        return await self._commit(article, who, {"opd_request": decided}, [event],
                                  action=f"decline_opd_{request['kind']}", note=reason)

    async def _decidable(self, article_id: str, who: Principal) -> tuple[Document, Document]:
        article = await self.pending(article_id)
        request: Document = article["opd_request"]
        if request["state"] != RequestOutcome.PENDING.value:
            raise RequestMissing(article_id)
        needed = rules.awaiting_role(request["kind"], Status(article["status"]))
        chief = ROLES.index(who.role) >= ROLES.index(rules.CHIEF)
        if needed == rules.CHIEF and not chief:
            raise NotYours("Permintaan penarikan berita yang sudah disetujui menjadi permintaan "
                           "penurunan; hanya redaktur pelaksana (chief_editor) yang memutuskan.")
        claim = claim_of(article)
        if not chief and claim is not None and claim.by != who.subject and claim.active(utcnow()):
            raise NotYours(f"Artikel ini sedang dipegang {claim.by}; hanya dia atau redaktur "
                           "pelaksana yang memutuskan permintaan OPD.")
        return article, request

    async def _commit(self, article: Document, who: Principal, fields: dict[str, Any],
                      events: list[Envelope], *, action: str, note: str | None = None,
                      snapshot: bool = False) -> Document:
        history = {"action": action, "by": who.subject, "note": note}
        if not await self.articles.change(article["_id"], article["version"], fields=fields,
                                          history=history, events=events, snapshot=snapshot,
                                          content_by=who.subject):
            raise VersionConflict(article["version"])
        await self.relay(article["_id"])
        return await self.pending(article["_id"])


def _request(arrival: Arrival, routing: rules.Routing) -> Document:
    state = {rules.Route.APPLY: RequestOutcome.APPLIED, rules.Route.PENDING:
             RequestOutcome.PENDING, rules.Route.REFUSE: RequestOutcome.REFUSED}[routing.route]
    return {"id": arrival.request_id, "kind": arrival.kind, "state": state.value,
            "requested_at": arrival.requested_at, "opd_reason": arrival.opd_reason,
            "revision": arrival.revision, "awaiting_role": routing.awaiting_role,
            "reason": routing.reason, "decided_by": None, "decided_at": None,
            "content": rules.article_fields(arrival.content) if arrival.content else None}


def _effect(kind: RequestKind, request: Document,
            after: Status | None = None) -> dict[str, Any]:
    """The article's fields once the request takes effect."""
    if kind == "withdraw":
        return {"status": (after or Status.WITHDRAWN).value, "claim": None, "ready": None}
    fields = {**request["content"], "report_revision": request["revision"],
              "invitation_at": invitation_at(request["content"])}
    if after is None:  # applied at once: back in the queue, for anyone to claim
        fields.update(status=Status.SUBMITTED.value, claim=None, ready=None)
    return fields


def _answer(article: Document, request: Document, status: Status, by: str) -> Envelope:
    data = ArticleRequestDecidedV1(
        article_id=article["_id"], report_id=article["report_id"], opd_id=article["opd"]["id"],
        request_id=request["id"], kind=request["kind"], outcome=RequestOutcome(request["state"]),
        reason=request.get("reason"), awaiting_role=request.get("awaiting_role")
        if request["state"] == RequestOutcome.PENDING.value else None, status=status,
        article_version=article["version"] + 1, decided_by=by, decided_at=utcnow())
    return root_event(type=ARTICLE_REQUEST_DECIDED, version=1, source=SOURCE,
                      subject=article["_id"], data=data, correlation_id=article["report_id"])


def _taken_down(article: Document, who: Principal, reason: str) -> Envelope:
    data = ev.ArticleTakenDownV1(
        article_id=article["_id"], report_id=article["report_id"], opd_id=article["opd"]["id"],
        editor=who.subject, article_version=article["version"] + 1, decided_at=utcnow(),
        reason=reason)
    return root_event(type=ev.ARTICLE_TAKEN_DOWN, version=1, source=SOURCE,
                      subject=article["_id"], data=data, correlation_id=article["report_id"])
