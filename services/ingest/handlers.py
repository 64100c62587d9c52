"""Use cases of the OPD's reports: submit (idempotent) and read (amend, withdraw: requests).

Idempotency without transactions. A submission with an `Idempotency-Key` first *claims* the key:
it inserts the record `_id = "<opd_id>:<key>"` holding the body's hash, a pre-allocated report id
and the 201 body it is about to return; only then does it insert the report (with its event in
the embedded outbox) under that pre-allocated `_id`. A second request with the key finds the
record (the unique `_id` makes exactly one claim win) and, if the hashes match, makes sure the
report exists by inserting it under the same `_id` — a no-op `DuplicateKeyError` when the first
request got there. So concurrent duplicates create one report, and the crash window between
claim and report insert is healed by the client's retry instead of leaving a key that points at
nothing. The record is written before the report, never after, so a 201 is never followed by a
retry that creates a second report.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from services.ingest import domain, photos
from services.ingest.auth import OpdPrincipal
from services.ingest.domain import IdempotencyKeyReused, InvalidReport, ReportNotFound
from services.ingest.photos import captioned
from services.ingest.repository import IdempotencyStore, ReportRepository
from services.ingest.schemas import ReportIn
from shared.envelope import Envelope, new_id, root_event, to_millis, utcnow
from shared.events.common import AttachmentRef, PressInvitation, ReportContent
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1
from shared.html import sanitize_async
from shared.logging import correlation_id
from shared.mongo import Document

log = logging.getLogger("warta.ingest.reports")
SOURCE = "ingest"


class AttachmentLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def thumbnail_url(self) -> str | None: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...


class AttachmentLookup(Protocol):
    async def get_many(self, opd_id: str, ids: list[str]) -> Sequence[AttachmentLike]: ...


# Publishes the events just written for a report (the relay's fast path).
Relay = Callable[[str, list[Envelope]], Awaitable[int]]


class Reports:
    def __init__(self, reports: ReportRepository, keys: IdempotencyStore,
                 attachments: AttachmentLookup, categories: tuple[str, ...], relay: Relay) -> None:
        self.reports, self.keys, self.attachments = reports, keys, attachments
        self.categories, self._relay = categories, relay
        self._relaying: set[asyncio.Task[None]] = set()

    async def submit(self, who: OpdPrincipal, payload: ReportIn, key: str | None) -> Document:
        """The new report; for a repeated key, the report as the first request answered it."""
        content, raw = await self.content(who.opd_id, payload)
        report_id, now = new_id(), utcnow()
        doc = _new_report(who, report_id, content, raw, now)
        if key is not None:
            existing = await self.keys.claim(who.opd_id, key, _hash(payload), report_id,
                                             _as_answered(doc))
            if existing is not None:
                return await self._replay(who, existing, _hash(payload), content, raw)
        await self._insert(who, doc)
        return doc

    async def _replay(self, who: OpdPrincipal, record: Document, body_hash: str,
                      content: ReportContent, raw: str) -> Document:
        if record["body_hash"] != body_hash:
            raise IdempotencyKeyReused(record["report_id"])
        report_id: str = record["report_id"]
        answered: Document | None = record.get("report")
        if await self.reports.get(report_id) is None:  # the first attempt crashed or is racing
            submitted = answered["submitted_at"] if answered else datetime.fromisoformat(
                record["response"]["submitted_at"])  # a record from before `report` was kept
            await self._insert(who, _new_report(who, report_id, content, raw, submitted))
        if answered is None:  # such an older record holds the HTTP body: answer the report now
            return await self.owned(who, report_id)
        return answered

    async def _insert(self, who: OpdPrincipal, doc: Document) -> None:
        correlation_id.set(doc["_id"])
        event = root_event(type=REPORT_SUBMITTED, version=1, source=SOURCE, subject=doc["_id"],
                           data=ReportSubmittedV1(report_id=doc["_id"], opd=who.opd,
                                                  content=_content_of(doc),
                                                  submitted_at=doc["submitted_at"]))
        if await self.reports.add(doc, [event]):
            log.info("report submitted", extra={"report_id": doc["_id"], "key_id": who.key_id})
            self.relay_soon(doc["_id"], [event])

    async def owned(self, who: OpdPrincipal, report_id: str) -> Document:
        """The report if it belongs to the caller; another OPD's report is indistinguishable
        from a missing one (404), so ids cannot be probed."""
        doc = await self.reports.get(report_id) if len(report_id) <= 64 else None
        if doc is None or doc["opd_id"] != who.opd_id:
            raise ReportNotFound(report_id[:64])
        return doc

    async def content(self, opd_id: str, payload: ReportIn) -> tuple[ReportContent, str]:
        problems: list[dict[str, str]] = []
        if msg := domain.category_problem(payload.category, self.categories):
            problems.append(_problem("body.category", msg))
        invitation = payload.press_invitation
        if invitation and (msg := domain.press_invitation_problem(
                payload.activity_at, invitation.starts_at, utcnow())):
            problems.append(_problem("body.press_invitation", msg))
        attachments = captioned(await self._attachments(
            opd_id, photos.attachment_ids(payload.attachment_ids, payload.photos), problems),
            payload.photos)
        if problems:
            raise InvalidReport(problems)
        content = ReportContent(
            title=payload.title.strip(), body_html=await sanitize_async(payload.body),
            summary=payload.summary, activity_at=to_millis(payload.activity_at),
            location=payload.location,
            category=payload.category, tags=list(dict.fromkeys(payload.tags)),
            attachments=attachments,
            press_invitation=PressInvitation(**{
                **invitation.model_dump(), "starts_at": to_millis(invitation.starts_at)})
            if invitation else None)
        return content, payload.body

    async def _attachments(self, opd_id: str, ids: list[str], problems: list[dict[str, str]]
                           ) -> list[AttachmentRef]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        found = {a.id: a for a in await self.attachments.get_many(opd_id, wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            problems.append(_problem(
                "body.attachment_ids",
                f"Unknown attachments for this OPD: {', '.join(missing)}; upload them first "
                "with POST /v1/attachments."))
            return []
        return [AttachmentRef(id=a.id, url=a.url, content_type=a.content_type, size=a.size,
                              sha256=a.sha256, thumbnail_url=a.thumbnail_url,
                              width=a.width, height=a.height)
                for a in (found[i] for i in wanted)]

    def relay_soon(self, report_id: str, events: list[Envelope]) -> None:
        """Fast path after the durable write; if it fails, the periodic sweep publishes."""
        async def relay() -> None:
            try:
                await self._relay(report_id, events)
            except Exception as exc:  # the event stays in the outbox for the sweep
                log.warning("fast relay failed; left to the sweep",
                            extra={"report_id": report_id, "error": repr(exc)})

        task = asyncio.create_task(relay())
        self._relaying.add(task)
        task.add_done_callback(self._relaying.discard)


def _new_report(who: OpdPrincipal, report_id: str, content: ReportContent, raw: str,
                now: datetime) -> Document:
    return {
        "_id": report_id, "opd_id": who.opd_id, "opd": who.opd.model_dump(mode="json"),
        "status": domain.Status.SUBMITTED.value, "status_reason": None, "revision": 1,
        "version": 1, "content": content.model_dump(), "body_raw": raw, "submitted_at": now,
        "updated_at": now, "last_amended_at": None, "article_version": 0, "publications": [],
        "applied_events": [], "revisions": [], "requests": [],
    }


def _as_answered(doc: Document) -> Document:
    """What an idempotent replay answers: the report as first submitted, without the raw body."""
    return {k: v for k, v in doc.items() if k not in ("body_raw", "applied_events", "revisions")}


def _content_of(doc: Document) -> ReportContent:
    return ReportContent.model_validate(doc["content"])


def _hash(payload: ReportIn) -> str:
    body = payload.model_dump(mode="json")
    if not body["photos"]:  # so a retry sent before `photos` existed keeps its hash
        del body["photos"]
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "problem": message, "type": "value_error"}

