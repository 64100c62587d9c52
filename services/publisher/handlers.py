"""Publisher use cases: article events in, posts out, the embargo/retry scheduler, editor retry.

Every state change and the event it causes are one single-document update (embedded outbox),
relayed right after. Posting takes a lease first (in the database, with this attempt's token),
so the consumer, the scheduler and other instances never post the same publication at once;
the lease is renewed while the post is in flight, and only its holder records the outcome.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from services.publisher.channels import Channel, ChannelRefused, ChannelUnavailable
from services.publisher.domain import (
    LEASE,
    State,
    after_failure,
    initial_state,
    publication_id,
    requested_channels,
    unavailable_reason,
)
from services.publisher.repository import FeedRepository, PublicationRepository
from shared.envelope import Envelope, child_event, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1, ArticleTakenDownV1
from shared.events.publications import (
    PUBLICATION_FAILED,
    PUBLICATION_PUBLISHED,
    PublicationFailedV1,
    PublicationPublishedV1,
)
from shared.failures import TRANSIENT
from shared.idempotency import APPLIED_FIELD
from shared.leases import renewing
from shared.mongo import Document
from shared.outbox import outbox_field
from shared.retry import backoff_delays

log = logging.getLogger("warta.publisher")

SOURCE = "publisher"
# Posts the consumer hands to background tasks at once; beyond that it posts inline, so a flood
# of approvals slows consumption (backpressure) instead of piling up tasks.
POSTS_IN_FLIGHT = 8
_RETRY_LATER: tuple[type[BaseException], ...] = (ChannelUnavailable, *TRANSIENT)


class PublicationNotFound(Exception):
    pass


class NotRetryable(Exception):
    """Only a failed or dead publication can be retried; args[0] is its state."""


@dataclass
class Publishing:
    publications: PublicationRepository
    feed: FeedRepository
    channels: dict[str, Channel]
    configured: dict[str, bool]
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(POSTS_IN_FLIGHT))
    _posting: set[asyncio.Task[None]] = field(default_factory=set)

    # ---- article events -------------------------------------------------------------------

    async def article_approved(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleApprovedV1)
        now = self.clock()
        ids: list[str] = []
        for channel in requested_channels(data.channels):
            document = self._new_publication(envelope, data, channel, now)
            if await self.publications.add(document):
                log.info("publication recorded", extra={
                    "publication_id": document["_id"], "state": document["state"]})
            ids.append(document["_id"])
        for pub_id in ids:  # also after a redelivery: finish what a crash left half done
            await self._relay(pub_id)
            await self._post_soon(pub_id)

    async def _post_soon(self, pub_id: str) -> None:
        """Post without holding up the consumer: the record is durable, so a post that never
        runs here (a crash, a failure) is the scheduler's when due; the lease keeps it single.
        One partition's approvals would otherwise wait for each other's posts in turn."""
        if self._slots.locked():
            await self.post(pub_id)  # every slot busy: post inline, consumption slows down
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._post_in_background(pub_id))
        self._posting.add(task)
        task.add_done_callback(self._posting.discard)

    async def _post_in_background(self, pub_id: str) -> None:
        try:
            await self.post(pub_id)
        except Exception as exc:  # the publication stays due: the scheduler posts it later
            log.warning("post deferred to the scheduler", extra={
                "publication_id": pub_id, "error": repr(exc)})
        finally:
            self._slots.release()

    async def article_corrected(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleCorrectedV1)
        now = self.clock()
        content = _approved_content(data)
        for doc in await self.publications.for_article(data.article_id):
            if doc["state"] == State.TAKEN_DOWN.value or envelope.id in doc.get(APPLIED_FIELD, []):
                continue
            adapter = self.channels.get(doc["channel"])
            if doc["state"] == State.PUBLISHED.value and adapter and doc.get("external_id"):
                await adapter.correct(data, doc["external_id"])  # idempotent by version
            # Not yet posted ones post the corrected content when their time comes.
            await self.publications.apply(doc["_id"], envelope.id, {
                "article": content, "article_version": data.article_version,
                "corrected_at": now, "correction_note": data.correction_note,
                "updated_at": now}, older_than_version=data.article_version)

    async def article_taken_down(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleTakenDownV1)
        now = self.clock()
        for doc in await self.publications.for_article(data.article_id):
            if doc["state"] != State.TAKEN_DOWN.value:
                # First the state, so a post in flight cannot mark it published afterwards.
                await self.publications.apply(doc["_id"], envelope.id, {
                    "state": State.TAKEN_DOWN.value, "taken_down_at": now,
                    "taken_down_reason": data.reason, "updated_at": now, "lease_until": now})
            adapter = self.channels.get(doc["channel"])
            if adapter is not None:
                await adapter.withdraw(data.article_id, doc.get("external_id"))
        await self.feed.remove(data.article_id)  # also when no publication exists here

    # ---- posting ---------------------------------------------------------------------------

    async def post(self, pub_id: str) -> None:
        """Post one due publication if this caller gets its lease; otherwise do nothing."""
        now, owner = self.clock(), secrets.token_hex(8)
        doc = await self.publications.claim(pub_id, owner, now)
        if doc is None:
            return
        async with renewing(partial(self._renew, pub_id, owner), LEASE.total_seconds() / 3,
                            pub_id):
            await self._post(doc, owner, now)

    async def _renew(self, pub_id: str, owner: str) -> bool:
        return await self.publications.renew(pub_id, owner, self.clock())

    async def _post(self, doc: Document, owner: str, now: datetime) -> None:
        pub_id = doc["_id"]
        article = ArticleApprovedV1.model_validate(doc["article"])
        cause = Envelope.model_validate(doc["cause"])
        adapter = self.channels.get(doc["channel"])
        if adapter is None:  # the configuration changed since it was recorded
            reason = unavailable_reason(doc["channel"], False,
                                        self.configured.get(doc["channel"], False))
            await self._failed(doc, owner, article, cause,
                               error=reason or "channel unavailable", permanent=True, now=now)
            return
        try:
            posted = await adapter.publish(article, doc.get("external_id"), now)
        except ChannelRefused as exc:
            await self._failed(doc, owner, article, cause, error=str(exc) or repr(exc),
                               permanent=True, now=now)
            return
        except _RETRY_LATER as exc:
            await self._failed(doc, owner, article, cause, error=str(exc) or repr(exc),
                               permanent=False, now=now)
            return
        event = child_event(
            cause, type=PUBLICATION_PUBLISHED, version=1, source=SOURCE,
            subject=article.article_id, data=PublicationPublishedV1(
                publication_id=pub_id, article_id=article.article_id,
                report_id=article.report_id, channel=doc["channel"],
                external_id=posted.external_id, url=posted.url, published_at=now,
                opd=article.opd, headline=article.headline, summary=article.summary,
                category=article.category))
        if await self.publications.mark_published(pub_id, owner, external_id=posted.external_id,
                                                  url=posted.url, now=now, event=event):
            log.info("published", extra={"publication_id": pub_id, "url": posted.url})
            await self._relay(pub_id)
            return
        current = await self.publications.get(pub_id)
        if current is not None and current["state"] == State.TAKEN_DOWN.value:
            # Taken down while we were posting: undo our post.
            await adapter.withdraw(article.article_id, posted.external_id)

    async def _failed(self, doc: Document, owner: str, article: ArticleApprovedV1,
                      cause: Envelope, *, error: str, permanent: bool, now: datetime) -> None:
        attempts = int(doc.get("attempts", 0)) + 1
        state, due_at = after_failure(attempts, permanent, now)
        event = self._failed_event(cause, doc["_id"], article, channel=doc["channel"],
                                   error=error, attempts=attempts, dead=state == State.DEAD)
        if await self.publications.mark_failed(doc["_id"], owner, state=state,
                                               attempts=attempts, error=error, due_at=due_at,
                                               now=now, event=event):
            log.warning("publication failed", extra={
                "publication_id": doc["_id"], "attempts": attempts, "state": state.value,
                "error": error})
            await self._relay(doc["_id"])

    # ---- scheduler and editor retry ---------------------------------------------------------

    async def run_scheduler(self, interval: float, batch: int = 20) -> None:
        """Every `interval` seconds: post the due (embargo over, backoff over) publications.
        Bounded per sweep and always sleeping between sweeps; errors back off, never stop it."""
        delays = backoff_delays(wait_initial=max(interval, 0.5))
        delay = interval
        while True:
            await asyncio.sleep(delay)
            try:
                for pub_id in await self.publications.due(self.clock(), batch):
                    await self.post(pub_id)
                delays, delay = backoff_delays(wait_initial=max(interval, 0.5)), interval
            except Exception as exc:  # logged and retried later; the loop must not die
                delay = next(delays)
                level = logging.WARNING if isinstance(exc, TRANSIENT) else logging.ERROR
                log.log(level, "scheduler sweep failed, backing off", exc_info=True,
                        extra={"error": repr(exc), "pause_s": delay})

    async def retry(self, pub_id: str) -> Document:
        """An editor requeues a failed or dead publication; it is posted right away."""
        if await self.publications.requeue(pub_id, self.clock()) is None:
            current = await self.publications.get(pub_id)
            if current is None:
                raise PublicationNotFound(pub_id)
            raise NotRetryable(current["state"])
        log.info("publication requeued by an editor", extra={"publication_id": pub_id})
        await self.post(pub_id)
        current = await self.publications.get(pub_id)
        if current is None:  # pragma: no cover - publications are never deleted
            raise PublicationNotFound(pub_id)
        return current

    # ---- helpers ---------------------------------------------------------------------------

    def _new_publication(self, envelope: Envelope, data: ArticleApprovedV1, channel: str,
                         now: datetime) -> Document:
        pub_id = publication_id(data.article_id, channel)
        reason = unavailable_reason(channel, channel in self.channels,
                                    self.configured.get(channel, False))
        state, due_at = initial_state(data.publish_at, now)
        outbox: list[Document] = []
        if reason is not None:  # recorded and surfaced, never pretended to be posted
            state, due_at = State.DEAD, now
            outbox = outbox_field([self._failed_event(
                envelope, pub_id, data, channel=channel, error=reason, attempts=0, dead=True)])
        return {
            "_id": pub_id, "article_id": data.article_id, "report_id": data.report_id,
            "channel": channel, "state": state.value, "attempts": 0, "error": reason,
            "external_id": None, "url": None, "published_at": None,
            "publish_at": data.publish_at, "due_at": due_at, "lease_until": now,
            "created_at": now, "updated_at": now, "article_version": data.article_version,
            "article": _approved_content(data),
            "cause": envelope.model_copy(update={"data": {}}).model_dump(mode="json"),
            APPLIED_FIELD: [envelope.id], "outbox": outbox,
        }

    @staticmethod
    def _failed_event(cause: Envelope, pub_id: str, article: ArticleApprovedV1, *, channel: str,
                      error: str, attempts: int, dead: bool) -> Envelope:
        return child_event(
            cause, type=PUBLICATION_FAILED, version=1, source=SOURCE,
            subject=article.article_id, data=PublicationFailedV1(
                publication_id=pub_id, article_id=article.article_id,
                report_id=article.report_id, channel=channel, error=error[:500],
                attempts=attempts, dead=dead))

    async def _relay(self, pub_id: str) -> None:
        """Fast path; if the broker is down the events stay in the outbox for the sweep."""
        try:
            await self.relay(pub_id)
        except Exception as exc:  # the write is done; the sweep publishes what is pending
            log.warning("relay deferred to the outbox sweep", extra={
                "publication_id": pub_id, "error": repr(exc)})


def _approved_content(data: ArticleApprovedV1) -> dict[str, Any]:
    """The article as the publisher posts it (a correction's note is kept apart)."""
    fields = data.model_dump(mode="json", exclude={"correction_note"})
    return ArticleApprovedV1.model_validate(fields).model_dump(mode="json")

