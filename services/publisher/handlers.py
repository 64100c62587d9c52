"""Publisher use cases: article events in (approve, correct, take down) and an editor's retry.

Every state change and the event it causes are one single-document update (embedded outbox),
relayed right after. Posting itself is the publish queue's (publish_queue.py): under a lease,
recorded before the network is called, never a second post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.publisher.channel_adapters import ChannelAdapters
from services.publisher.dispatch import Dispatcher
from services.publisher.domain import (
    State,
    initial_state,
    publication_id,
    requested_channels,
)
from services.publisher.followup_repository import PENDING, FollowupRepository, pending
from services.publisher.followups import Followups
from services.publisher.publication_events import failed_event
from services.publisher.publish_queue import SOURCE, PublishQueue
from services.publisher.repository import FeedRepository, PublicationRepository
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1, ArticleTakenDownV1
from shared.idempotency import APPLIED_FIELD
from shared.mongo import Document
from shared.outbox import outbox_field

log = logging.getLogger("warta.publisher")

__all__ = ["SOURCE", "NotRetryable", "PublicationNotFound", "Publishing"]
# The posting itself is the dispatcher's (dispatch.py): a few per channel in the background,
# the rest left due in the database for its sweep.


class PublicationNotFound(Exception):
    pass


class NotRetryable(Exception):
    """Only a failed, dead or needs_review publication can be retried; args[0] is its state."""


@dataclass
class Publishing:
    publications: PublicationRepository
    feed: FeedRepository
    adapters: ChannelAdapters
    queue: PublishQueue
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)
    dispatcher: Dispatcher | None = None
    followups: Followups = field(init=False)

    def __post_init__(self) -> None:
        if self.dispatcher is None:
            self.dispatcher = Dispatcher(self.queue.post, self._due, self.clock)
        self.followups = Followups(FollowupRepository(self.publications.collection),
                                   self.adapters, self.clock)

    async def _due(self, now: datetime, limit: int) -> list[str]:
        paused = await self.queue.health.repository.paused()
        return await self.publications.due(now, limit, paused)

    async def article_approved(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleApprovedV1)
        now = self.clock()
        ids: list[str] = []
        for channel in requested_channels(data.channels):
            opened = await self.adapters.open(channel)
            document = _new_publication(envelope, data, channel, now,
                                        opened if isinstance(opened, str) else None)
            if await self.publications.add(document):
                log.info("publication recorded", extra={
                    "publication_id": document["_id"], "state": document["state"]})
            ids.append(document["_id"])
        for pub_id in ids:  # also after a redelivery: finish what a crash left half done
            await self.queue.relay_now(pub_id)
            # Never waits for the network: without a free slot it stays due for the sweep.
            assert self.dispatcher is not None
            self.dispatcher.post_soon(pub_id)

    async def post(self, pub_id: str) -> None:
        await self.queue.post(pub_id)

    async def article_corrected(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleCorrectedV1)
        now = self.clock()
        docs = await self.publications.for_article(data.article_id)
        for doc in docs:
            if doc["state"] == State.TAKEN_DOWN.value or envelope.id in doc.get(APPLIED_FIELD, []):
                continue
            # Recorded first, with the network edit still to do in the same update: a crash
            # or a failure before it is done leaves it to the sweep, never a silent gap.
            # Not yet posted ones post the corrected content when their time comes.
            fields: Document = {
                "article": _approved_content(data), "article_version": data.article_version,
                "corrected_at": now, "correction_note": data.correction_note, "updated_at": now}
            if doc["state"] == State.PUBLISHED.value and doc.get("external_id"):
                fields[PENDING] = pending("edit", envelope.id, now)
            await self.publications.apply(doc["_id"], envelope.id, fields,
                                          older_than_version=data.article_version)
        for doc in docs:  # also after a redelivery: finish what a crash left undone
            await self.followups.act(doc["_id"])

    async def article_taken_down(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleTakenDownV1)
        now = self.clock()
        for doc in await self.publications.for_article(data.article_id):
            if doc["state"] != State.TAKEN_DOWN.value:
                # First the state, so a post in flight cannot mark it published afterwards;
                # the delete still to do in the same update (it replaces a pending edit).
                fields: Document = {
                    "state": State.TAKEN_DOWN.value, "taken_down_at": now,
                    "taken_down_reason": data.reason, "updated_at": now, "lease_until": now}
                if doc.get("external_id"):
                    fields[PENDING] = pending("delete", envelope.id, now)
                await self.publications.apply(doc["_id"], envelope.id, fields)
            await self.followups.act(doc["_id"])
        await self.feed.remove(data.article_id)  # also when no publication exists here

    async def run_scheduler(self, interval: float) -> None:
        assert self.dispatcher is not None
        await asyncio.gather(self.dispatcher.run(interval), self.followups.run(interval))

    async def retry(self, pub_id: str) -> Document:
        """An editor requeues a failed, dead or needs_review publication; posted right away."""
        if await self.publications.requeue(pub_id, self.clock()) is None:
            current = await self.publications.get(pub_id)
            if current is None:
                raise PublicationNotFound(pub_id)
            raise NotRetryable(current["state"])
        log.info("publication requeued by an editor", extra={"publication_id": pub_id})
        await self.queue.post(pub_id)
        current = await self.publications.get(pub_id)
        if current is None:  # pragma: no cover - publications are never deleted
            raise PublicationNotFound(pub_id)
        return current


def _new_publication(envelope: Envelope, data: ArticleApprovedV1, channel: str, now: datetime,
                     reason: str | None) -> Document:
    pub_id = publication_id(data.article_id, channel)
    state, due_at = initial_state(data.publish_at, now)
    outbox: list[Document] = []
    if reason is not None:  # recorded and surfaced, never pretended to be posted
        state, due_at = State.DEAD, now
        outbox = outbox_field([failed_event(envelope, pub_id, data, channel=channel,
                                            error=reason, attempts=0, dead=True)])
    return {
        "_id": pub_id, "article_id": data.article_id, "report_id": data.report_id,
        "channel": channel, "state": state.value, "attempts": 0, "error": reason,
        "external_id": None, "url": None, "published_at": None, "manual_action": None,
        "attempt_started_at": None, "publish_at": data.publish_at, "due_at": due_at,
        "lease_until": now, "created_at": now, "updated_at": now,
        "article_version": data.article_version, "article": _approved_content(data),
        "cause": envelope.model_copy(update={"data": {}}).model_dump(mode="json"),
        APPLIED_FIELD: [envelope.id], "outbox": outbox,
    }


def _approved_content(data: ArticleApprovedV1) -> dict[str, Any]:
    """The article as the publisher posts it (a correction's note is kept apart)."""
    fields = data.model_dump(mode="json", exclude={"correction_note"})
    return ArticleApprovedV1.model_validate(fields).model_dump(mode="json")

