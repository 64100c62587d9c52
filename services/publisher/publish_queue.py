"""The publish queue: one attempt at one due publication, under its lease, never a second post.

Before the network is called the attempt's start is recorded; a publication with a stored
external id is recorded published without calling the network; one whose earlier attempt
started but has no result (a crash, a broken connection) asks the adapter for the earlier post
first (`find_existing`), or, when the network cannot be searched, goes to `needs_review`.
The outcome: published; retried with backoff (honouring the network's retry_after); dead at
once (the network's own message kept); paused without an attempt counted, its channel marked
needs_reconnect for every replica. Which due publication is posted when is dispatch.py's.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from services.publisher.adapters.port import (
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from services.publisher.channel_adapters import ChannelAdapters, Opened
from services.publisher.domain import (
    AMBIGUOUS_MESSAGE,
    WITHDRAWN,
    Health,
    State,
    after_failure,
)
from services.publisher.health_handlers import ChannelHealth
from services.publisher.publication_events import SOURCE, failed_event, published_event
from services.publisher.repository import PublicationRepository
from shared.envelope import Envelope, utcnow
from shared.events.articles import ArticleApprovedV1
from shared.failures import TRANSIENT
from shared.leases import renewing
from shared.mongo import Document

log = logging.getLogger("warta.publisher")


class _Recorded(Exception):
    """The attempt ended without a post, and its outcome is recorded (or the lease was lost)."""


@dataclass(frozen=True)
class _Attempt:
    doc: Document
    owner: str
    article: ArticleApprovedV1
    opened: Opened
    now: datetime

    @property
    def pub_id(self) -> str:
        return str(self.doc["_id"])

    @property
    def channel(self) -> str:
        return str(self.doc["channel"])

__all__ = ["SOURCE", "PublishQueue"]


def _answered(exc: Exception) -> bool:
    """The network said what happened, so nothing was posted; a timeout or a dropped answer
    to a post may hide one, so the attempt marker stays and the retry looks for it first."""
    if isinstance(exc, ChannelUnavailable):
        return not exc.maybe_posted
    return isinstance(exc, ChannelError)


@dataclass
class PublishQueue:
    publications: PublicationRepository
    adapters: ChannelAdapters
    health: ChannelHealth
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)

    async def post(self, pub_id: str) -> None:
        """Post one due publication if this caller gets its lease; otherwise do nothing."""
        now, owner = self.clock(), secrets.token_hex(8)
        doc = await self.publications.claim(pub_id, owner, now)
        if doc is None:
            return
        async with renewing(partial(self._renew, pub_id, owner),
                            self.publications.lease.total_seconds() / 3, pub_id):
            await self._attempt(doc, owner, now)

    async def _renew(self, pub_id: str, owner: str) -> bool:
        return await self.publications.renew(pub_id, owner, self.clock())

    async def _attempt(self, doc: Document, owner: str, now: datetime) -> None:
        article = ArticleApprovedV1.model_validate(doc["article"])
        opened = await self.adapters.open(doc["channel"])
        if isinstance(opened, str):  # not configured, no adapter, unreadable credentials
            await self._failed(doc, owner, article, opened, permanent=True, now=now)
            return
        if opened.channel.get("health") == Health.NEEDS_RECONNECT.value:
            await self.publications.pause(doc["_id"], owner, now=now, answered=False, error=str(
                opened.channel.get("reason") or "channel needs reconnecting"))
            return
        attempt = _Attempt(doc, owner, article, opened, now)
        if doc.get("external_id"):  # an earlier attempt's post is known: never a second one
            posted = Posted(doc["external_id"], doc.get("url") or "", doc.get("extra") or {})
        else:
            try:
                posted = await self._earlier_post(attempt) or await self._publish(attempt)
            except _Recorded:
                return
        await self._published(attempt, posted)

    async def _earlier_post(self, attempt: _Attempt) -> Posted | None:
        if not attempt.doc.get("attempt_started_at"):
            return None
        log.warning("an earlier attempt has no recorded result: looking for its post",
                    extra={"publication_id": attempt.pub_id, "channel": attempt.channel})
        try:
            return await attempt.opened.adapter.find_existing(attempt.article)
        except Exception as exc:  # every outcome is recorded in _outcome
            await self._outcome(attempt, exc, answered=False)
            raise _Recorded from exc

    async def _publish(self, attempt: _Attempt) -> Posted:
        if not await self.publications.start_attempt(attempt.pub_id, attempt.owner,
                                                      attempt.now):
            raise _Recorded  # the lease went to someone else: they post
        try:
            return await attempt.opened.adapter.publish(attempt.article)
        except Exception as exc:  # every outcome is recorded in _outcome
            await self._outcome(attempt, exc, answered=_answered(exc))
            raise _Recorded from exc

    async def _outcome(self, attempt: _Attempt, exc: Exception, *, answered: bool) -> None:
        doc, owner, article, now = attempt.doc, attempt.owner, attempt.article, attempt.now
        channel, message = attempt.channel, str(exc) or repr(exc)
        if isinstance(exc, ChannelAuthFailed):
            await self.health.needs_reconnect(channel, attempt.opened.channel, message, now)
            await self.publications.pause(doc["_id"], owner, error=message, now=now,
                                          answered=answered)
            log.error("channel needs reconnecting: its queue is paused", extra={
                "publication_id": doc["_id"], "channel": channel, "error": message})
        elif isinstance(exc, ChannelAmbiguous):
            text = AMBIGUOUS_MESSAGE.format(channel=channel)
            event = failed_event(_cause(doc), doc["_id"], article, channel=channel,
                                 error=text, attempts=int(doc.get("attempts", 0)), dead=False)
            if await self.publications.mark_review(doc["_id"], owner, error=text, now=now,
                                                   event=event):
                log.warning("publication needs an editor's review", extra={
                    "publication_id": doc["_id"], "channel": channel, "error": message})
                await self.relay_now(doc["_id"])
        elif isinstance(exc, ChannelRefused):
            await self._failed(doc, owner, article, message, permanent=True, now=now)
        elif isinstance(exc, ChannelUnavailable):
            await self._failed(doc, owner, article, message, permanent=False, now=now,
                               retry_after=exc.retry_after, answered=answered)
        else:  # a broken connection, a bug: maybe posted, so the marker stays
            level = logging.WARNING if isinstance(exc, TRANSIENT) else logging.ERROR
            log.log(level, "post attempt broke off", exc_info=exc, extra={
                "publication_id": doc["_id"], "channel": channel})
            await self._failed(doc, owner, article, message, permanent=False, now=now,
                               answered=False)

    async def _published(self, attempt: _Attempt, posted: Posted) -> None:
        pub_id, now = attempt.pub_id, attempt.now
        event = published_event(_cause(attempt.doc), pub_id, attempt.article,
                                channel=attempt.channel, posted=posted, now=now)
        if await self.publications.mark_published(pub_id, attempt.owner,
                                                  external_id=posted.external_id,
                                                  url=posted.url, now=now, event=event,
                                                  extra=dict(posted.extra)):
            log.info("published", extra={"publication_id": pub_id, "url": posted.url})
            await self.relay_now(pub_id)
            return
        current = await self.publications.get(pub_id)
        if current is not None and current["state"] in {s.value for s in WITHDRAWN}:
            await attempt.opened.adapter.withdraw(posted)  # taken down or cancelled meanwhile

    async def _failed(self, doc: Document, owner: str, article: ArticleApprovedV1, error: str,
                      *, permanent: bool, now: datetime, retry_after: float | None = None,
                      answered: bool = True) -> None:
        attempts = int(doc.get("attempts", 0)) + 1
        state, due_at = after_failure(attempts, permanent, now, retry_after)
        event = failed_event(_cause(doc), doc["_id"], article, channel=doc["channel"],
                             error=error, attempts=attempts, dead=state == State.DEAD)
        if await self.publications.mark_failed(doc["_id"], owner, state=state,
                                               attempts=attempts, error=error, due_at=due_at,
                                               now=now, event=event, answered=answered):
            log.warning("publication failed", extra={
                "publication_id": doc["_id"], "attempts": attempts, "state": state.value,
                "error": error, "retry_after": retry_after})
            await self.relay_now(doc["_id"])

    async def relay_now(self, pub_id: str) -> None:
        """Fast path; if the broker is down the events stay in the outbox for the sweep."""
        try:
            await self.relay(pub_id)
        except Exception as exc:  # the write is done; the sweep publishes what is pending
            log.warning("relay deferred to the outbox sweep", extra={
                "publication_id": pub_id, "error": repr(exc)})


def _cause(doc: Document) -> Envelope:
    return Envelope.model_validate(doc["cause"])
