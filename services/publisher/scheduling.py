"""Calling off and moving publications not yet posted: a chief editor's cancel, a rescheduled
or cancelled embargo (`article.rescheduled`). Each change and its event are one update."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.publisher.domain import CANCELLABLE, UNPOSTED, State, initial_state
from services.publisher.publication_events import cancelled_event
from services.publisher.repository import PublicationRepository
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.schedules import ArticleRescheduledV1
from shared.idempotency import APPLIED_FIELD
from shared.mongo import Document

log = logging.getLogger("warta.publisher")


class NotCancellable(Exception):
    """Only a pending, scheduled or needs_review publication can be cancelled; args[0]: state."""


class CancelNotFound(Exception):
    pass


@dataclass
class Scheduling:
    publications: PublicationRepository
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)

    async def cancel(self, pub_id: str, who: str, reason: str | None) -> Document:
        """A chief editor calls one publication off. Cancelling a cancelled one again is a
        no-op answered with it as it is (idempotent), without a second event."""
        current = await self.publications.get(pub_id)
        if current is None:
            raise CancelNotFound(pub_id)
        if current["state"] == State.CANCELLED.value:
            return current
        now = self.clock()
        cause = await self.publications.cause_of(pub_id)
        if cause is None:  # pragma: no cover - publications are never deleted
            raise CancelNotFound(pub_id)
        event = cancelled_event(cause, current, by=who, reason=reason, now=now)
        done = await self.publications.cancel(pub_id, states=CANCELLABLE, event=event, fields={
            "cancelled_at": now, "cancelled_by": who, "cancel_reason": reason, "updated_at": now})
        if done is None:
            latest = await self.publications.get(pub_id)
            if latest is not None and latest["state"] == State.CANCELLED.value:
                return latest  # cancelled meanwhile by another request: same answer
            raise NotCancellable(latest["state"] if latest else current["state"])
        log.info("publication cancelled", extra={"publication_id": pub_id, "by": who})
        await self._relay(pub_id)
        return await self.publications.get(pub_id) or done

    async def article_rescheduled(self, envelope: Envelope) -> None:
        """Move the article's publications not yet posted to the new embargo, or call them off
        when the embargo is cancelled. A redelivery changes nothing."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleRescheduledV1)
        now = self.clock()
        for doc in await self.publications.for_article(data.article_id):
            if envelope.id in doc.get(APPLIED_FIELD, []):
                continue
            if data.cancelled or data.publish_at is None:
                await self._call_off(envelope, data, doc, now)
                continue
            state, due_at = initial_state(data.publish_at, now)
            if await self.publications.reschedule(
                    doc["_id"], envelope.id, version=data.article_version, state=state,
                    due_at=due_at, fields={"publish_at": data.publish_at, "updated_at": now}):
                log.info("publication rescheduled", extra={
                    "publication_id": doc["_id"], "due_at": due_at.isoformat()})

    async def _call_off(self, envelope: Envelope, data: ArticleRescheduledV1, doc: Document,
                        now: datetime) -> None:
        event = cancelled_event(envelope, doc, by=data.editor, reason=data.reason, now=now)
        if await self.publications.cancel(doc["_id"], states=UNPOSTED, event=event,
                                          event_id=envelope.id, fields={
                "cancelled_at": now, "cancelled_by": data.editor,
                "cancel_reason": data.reason, "updated_at": now}) is not None:
            log.info("publication cancelled with its embargo", extra={
                "publication_id": doc["_id"]})
            await self._relay(doc["_id"])

    async def _relay(self, pub_id: str) -> None:
        try:
            await self.relay(pub_id)
        except Exception as exc:  # the write is done; the outbox sweep publishes it
            log.warning("relay deferred to the outbox sweep", extra={
                "publication_id": pub_id, "error": repr(exc)})
