"""Sending: one attempt per claimed delivery, retries with backoff, the sender loop.

Sending claims the record (pending|failed -> sending, leased to this attempt's token in one
conditional update), so two senders in any processes never both send; a sender that crashed
mid-send is retried once its lease expires (at most one duplicate). The lease is renewed while
the send is in flight, and only its holder settles it. Every settled attempt writes its
delivery.sent / delivery.failed event in the same update. A delivery whose article was taken
down is cancelled, never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.message import EmailMessage
from functools import partial

from services.notifier import domain
from services.notifier.domain import DeliveryState, Kind
from services.notifier.emails import Recipient, build_email
from services.notifier.handlers import SERVICE, TAKEN_DOWN_REASON
from services.notifier.journalists import unsubscribe_link_token
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from shared.envelope import Envelope, child_event, utcnow
from shared.events.notifications import (
    DELIVERY_FAILED,
    DELIVERY_SENT,
    DeliveryFailedV1,
    DeliverySentV1,
)
from shared.failures import TRANSIENT
from shared.leases import renewing
from shared.mongo import Document
from shared.retry import backoff_delays, retrying
from shared.settings import Settings

log = logging.getLogger("warta.notifier.sender")

SWEEP_BATCH = 50
SEND_CONCURRENCY = 5

Relay = Callable[[str], Awaitable[int]]


def public_url(settings: Settings) -> str:
    """Where journalists reach the notifier (unsubscribe links); no dedicated setting exists."""
    return f"http://127.0.0.1:{settings.notifier_port}"


def _parent(ref: Document) -> Envelope:
    """The stored reference of the event that caused a delivery, for `child_event`."""
    return Envelope.model_validate({**ref, "data": {}})


class Sender:
    def __init__(self, settings: Settings, journalists: JournalistRepository,
                 articles: ArticleRepository, deliveries: DeliveryRepository, *,
                 mailer: Mailer, relay: Relay,
                 backoff_base: float = domain.DEFAULT_BACKOFF_BASE) -> None:
        self.settings = settings
        self.journalists = journalists
        self.articles = articles
        self.deliveries = deliveries
        self.mailer = mailer
        self.relay = relay
        self.backoff_base = backoff_base
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New deliveries are due: run the loop now instead of at its next tick."""
        self._wake.set()

    # ---- sending ----------------------------------------------------------------------------

    async def deliver(self, delivery_id: str) -> str | None:
        """One attempt, if the delivery is due and nobody else holds it; returns the new state."""
        now, owner = utcnow(), secrets.token_hex(8)
        delivery = await self.deliveries.claim(delivery_id, owner, now,
                                               now + domain.SENDING_LEASE)
        if delivery is None:
            return None
        try:
            message = await self._render(delivery, now)
            async with renewing(partial(self._renew, delivery_id, owner),
                                domain.SENDING_LEASE.total_seconds() / 3, delivery_id):
                await self.mailer.send(message)
        except TakenDown:
            await self.deliveries.cancel_claimed(delivery_id, owner, TAKEN_DOWN_REASON)
            return DeliveryState.CANCELLED.value
        except SendFailed as exc:
            return await self._failed(delivery, owner, exc.error, exc.permanent)
        except RenderImpossible as exc:
            return await self._failed(delivery, owner, str(exc), True)
        sent_at = utcnow()
        event = self._event(delivery, DELIVERY_SENT, DeliverySentV1(
            delivery_id=delivery_id, article_id=delivery["article_id"],
            recipient_id=delivery["journalist_id"], channel=delivery["channel"],
            kind=delivery["kind"], sent_at=sent_at))
        fields = {"state": DeliveryState.SENT.value, "sent_at": sent_at, "error": None,
                  "next_attempt_at": None}
        if await self._record_sent(delivery_id, owner, fields, event):
            await self._relay(delivery_id)
        return DeliveryState.SENT.value

    async def _record_sent(self, delivery_id: str, owner: str, fields: Document,
                           event: Envelope) -> bool:
        """The email is out: recording it outlasts a database stall (the lease, renewed
        meanwhile, still holds), else the lease expires and the email goes out a second time.
        A retry after a write that did land matches nothing; the outbox sweep relays it."""
        async with renewing(partial(self._renew, delivery_id, owner),
                            domain.SENDING_LEASE.total_seconds() / 3, delivery_id):
            async for attempt in retrying(attempts=None,
                                          timeout=domain.SENDING_LEASE.total_seconds() / 2):
                with attempt:
                    settled = await self.deliveries.settle(delivery_id, owner, fields, event)
        return settled

    async def _failed(self, delivery: Document, owner: str, error: str, permanent: bool) -> str:
        attempts = int(delivery.get("attempts", 0)) + 1
        outcome = domain.after_failure(attempts, permanent, utcnow(), self.backoff_base)
        event = self._event(delivery, DELIVERY_FAILED, DeliveryFailedV1(
            delivery_id=delivery["_id"], article_id=delivery["article_id"],
            recipient_id=delivery["journalist_id"], channel=delivery["channel"],
            kind=delivery["kind"], error=error, permanent=outcome.dead))
        fields = {"state": outcome.state.value, "error": error,
                  "next_attempt_at": outcome.next_attempt_at}
        log.warning("delivery attempt failed", extra={
            "delivery_id": delivery["_id"], "attempts": attempts, "state": outcome.state.value,
            "error": error})
        if await self.deliveries.settle(delivery["_id"], owner, fields, event):
            await self._relay(delivery["_id"])
        return outcome.state.value

    async def _renew(self, delivery_id: str, owner: str) -> bool:
        return await self.deliveries.renew(delivery_id, owner, utcnow() + domain.SENDING_LEASE)

    def _event(self, delivery: Document, type_: str,
               data: DeliverySentV1 | DeliveryFailedV1) -> Envelope:
        return child_event(_parent(delivery["cause"]), type=type_, version=1, source=SERVICE,
                           subject=delivery["_id"], data=data)

    async def _relay(self, delivery_id: str) -> None:
        try:
            await self.relay(delivery_id)
        except TRANSIENT as exc:  # the outbox sweep publishes it later
            log.warning("event relay deferred", extra={"error": repr(exc)})

    async def _render(self, delivery: Document, now: datetime) -> EmailMessage:
        article = await self.articles.get(delivery["article_id"])
        journalist = await self.journalists.get(delivery["journalist_id"])
        if article is not None and article.get("taken_down"):
            raise TakenDown(delivery["article_id"])
        if article is None or not article.get("approved") or journalist is None:
            raise RenderImpossible("article or journalist no longer known")
        if not journalist.get("active"):
            raise RenderImpossible("the journalist unsubscribed before it was sent")
        kind = Kind(delivery["kind"])
        published = article.get("published") or {}
        if kind is Kind.PRESS_RELEASE and not published.get("url"):
            raise RenderImpossible("no publication URL for the press release")
        token = await unsubscribe_link_token(self.settings, self.journalists, journalist)
        recipient = Recipient(name=journalist["name"], email=journalist["email"],
                              unsubscribe_url=f"{public_url(self.settings)}/unsubscribe/{token}")
        return build_email(kind=kind, delivery_id=delivery["_id"],
                           sender=self.settings.smtp_from, recipient=recipient,
                           article=article["approved"], article_url=published.get("url"),
                           now=now)

    # ---- retries ----------------------------------------------------------------------------

    async def sweep(self) -> int:
        """One bounded pass over due deliveries, a few sends at a time."""
        due = await self.deliveries.due(utcnow(), SWEEP_BATCH)
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def attempt(delivery_id: str) -> bool:
            async with gate:
                return await self.deliver(delivery_id) is not None

        results = await asyncio.gather(*(attempt(d) for d in due))
        return sum(results)

    async def retry_forever(self, interval: float) -> None:
        """The sender loop: woken by new deliveries, otherwise every `interval` for retries;
        a full batch goes straight on, a failing database backs off: never a hot loop."""
        delays = backoff_delays(wait_initial=max(interval, 0.5), wait_max=60.0)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()
            try:
                attempted = await self.sweep()
            except Exception as exc:  # logged and retried later
                pause = next(delays)
                log.warning("delivery sweep failed, backing off", extra={
                    "error": repr(exc), "pause_s": pause})
                await asyncio.sleep(pause)
                continue
            delays = backoff_delays(wait_initial=max(interval, 0.5), wait_max=60.0)
            if attempted >= SWEEP_BATCH:
                self._wake.set()


class RenderImpossible(Exception):
    pass


class TakenDown(Exception):
    """The article was taken down: the delivery is cancelled, not failed."""
