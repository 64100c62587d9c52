"""Sending: due deliveries claimed in leased batches, sent over the SMTP pool, settled one by one.

A batch (most urgent first, round-robin across articles: see delivery_repository) is claimed
by one conditional update under this batch's token; its articles and journalists are read once;
each message is sent by one of the pool's connections and settled by its own conditional
update (state, attempt log, event in the outbox). The batch lease is renewed while it is being
sent, so a slow server never lets another sender take a record over; a sender that crashed
mid-batch has its records retried once the lease expires (at most one duplicate each). A
delivery whose article was taken down is cancelled, never sent (checked against the article
as read when the batch was claimed). An unexpected error on one delivery counts as a failed
attempt of that one only (dead after the usual maximum); the rest of its batch is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from email.utils import parseaddr
from functools import partial

from services.notifier import domain
from services.notifier.channel_attempts import ChannelSender, attempt_on_channel
from services.notifier.delivery_log import attempt
from services.notifier.delivery_repository import settlement
from services.notifier.dkim_signing import DkimSigner
from services.notifier.domain import DeliveryState, Kind
from services.notifier.emails import Prepared, Recipient, compose, prepare
from services.notifier.handlers import SERVICE, TAKEN_DOWN_REASON
from services.notifier.invitation_links import (
    PartnerJournalists,
    first_calendar,
    issued_at,
    recipient_calendar,
    recipient_links,
)
from services.notifier.journalists import unsubscribe_link_token
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.preferences_api import preferences_link
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

BATCH = 100  # claimed at once: about the longest an urgent notice waits behind a fan-out
IN_FLIGHT = 32  # messages being rendered, sent or settled at once (the pool limits sends)
RELAYS_IN_FLIGHT = 16
SENDER_LOOPS = 2

Relay = Callable[[str], Awaitable[int]]
Batch = dict[tuple[str, str, str], Prepared]  # (article, kind, occasion) -> rendered once
Sent = list[tuple[Document, Document]]
SETTLE_AT_ONCE = 16


def _parent(ref: Document) -> Envelope:
    """The stored reference of the event that caused a delivery, for `child_event`."""
    return Envelope.model_validate({**ref, "data": {}})


class Skip(Exception):
    """Not sent, and never will be: `state` says why (cancelled, suppressed, dead)."""

    def __init__(self, state: DeliveryState, reason: str) -> None:
        super().__init__(reason)
        self.state, self.reason = state, reason


class Sender:
    def __init__(self, settings: Settings, journalists: JournalistRepository,
                 articles: ArticleRepository, deliveries: DeliveryRepository, *,
                 mailer: Mailer, relay: Relay,
                 backoff_base: float = domain.DEFAULT_BACKOFF_BASE,
                 channels: dict[str, ChannelSender] | None = None,
                 partners: PartnerJournalists | None = None) -> None:
        self.partners = partners  # whose press release carries a proof-of-publication link
        self.settings = settings
        self.channels = channels or {}  # WhatsApp, Telegram, webhook (channel_attempts.py)
        self.journalists = journalists
        self.articles = articles
        self.deliveries = deliveries
        self.mailer = mailer
        self.relay = relay
        self.backoff_base = backoff_base
        self.signer = DkimSigner.from_settings(settings)
        self._wake = asyncio.Event()
        self._relays: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """New deliveries are due: run the loop now instead of at its next tick."""
        self._wake.set()

    # ---- one batch --------------------------------------------------------------------------

    async def sweep(self, limit: int = BATCH) -> int:
        """Claim and send one batch; returns how many records it held."""
        lease = domain.SENDING_LEASE
        now, owner = utcnow(), secrets.token_hex(8)
        started = time.monotonic()
        batch = await self.deliveries.claim_batch(owner, now, now + lease, limit)
        if not batch:
            return 0
        articles = {a: await self.articles.get(a) for a in {d["article_id"] for d in batch}}
        journalists = await self.journalists.many(list({d["journalist_id"] for d in batch}))
        if self.partners is not None:
            await self.partners.mark(batch, journalists)
        claimed = time.monotonic()
        gate = asyncio.Semaphore(IN_FLIGHT)
        prepared: Batch = {}  # this batch's messages, each rendered once
        sent: Sent = []  # settlements of sent messages, written SETTLE_AT_ONCE at a time

        async def one(delivery: Document) -> None:
            async with gate:
                try:
                    await self._attempt(delivery, owner, articles.get(delivery["article_id"]),
                                        journalists.get(delivery["journalist_id"]),
                                        prepared=prepared, sent=sent)
                except Exception as exc:  # one poison delivery never fails its batch
                    await self._broken(delivery, owner, exc)
            if len(sent) >= SETTLE_AT_ONCE:
                await self._record_all_sent(sent)

        renew = partial(self.deliveries.renew_batch, owner)
        async with renewing(lambda: renew(utcnow() + domain.SENDING_LEASE),
                            lease.total_seconds() / 3, owner):
            try:  # every delivery runs to its end before the rest is recorded
                results = await asyncio.gather(*(one(d) for d in batch), return_exceptions=True)
            finally:  # what went out is recorded whatever else failed: never sent twice
                await self._record_all_sent(sent)
        for error in (r for r in results if isinstance(r, BaseException)):
            log.warning("delivery batch step failed", extra={"error": repr(error)})
        log.info("delivery batch done", extra={
            "count": len(batch), "claim_ms": round(1000 * (claimed - started)),
            "send_ms": round(1000 * (time.monotonic() - claimed))})
        return len(batch)

    async def _attempt(self, delivery: Document, owner: str, article: Document | None,
                       journalist: Document | None, *, prepared: Batch | None = None,
                       sent: Sent | None = None) -> None:
        if delivery["channel"] in self.channels:
            await attempt_on_channel(self, self.channels[delivery["channel"]], delivery, owner,
                                     article=article, journalist=journalist)
            return
        try:
            message = await self._render(delivery, article, journalist,
                                         {} if prepared is None else prepared)
        except Skip as skip:
            skipped: Document = {"state": skip.state.value, "error": skip.reason,
                                 "next_attempt_at": None}
            log_entry = attempt(at=utcnow(), channel=delivery["channel"], answer=skip.reason,
                                state=skip.state.value)
            await self.deliveries.settle(delivery["_id"], owner, skipped, None, log_entry)
            return
        assert journalist is not None
        try:
            answer = await self.mailer.send_raw(
                parseaddr(self.settings.smtp_from)[1], [journalist["email"]], message)
        except SendFailed as exc:
            await self._failed(delivery, owner, exc.error, exc.permanent)
            return
        sent_at = utcnow()
        event = self._event(delivery, DELIVERY_SENT, DeliverySentV1(
            delivery_id=delivery["_id"], article_id=delivery["article_id"],
            recipient_id=delivery["journalist_id"], channel=delivery["channel"],
            kind=delivery["kind"], sent_at=sent_at))
        fields: Document = {"state": DeliveryState.SENT.value, "sent_at": sent_at,
                            "error": None, "next_attempt_at": None}
        entry = attempt(at=sent_at, channel=delivery["channel"], answer=answer,
                        state=DeliveryState.SENT.value)
        if sent is not None:
            sent.append(settlement(delivery["_id"], owner, fields, event, entry))
        elif await self._record_sent(delivery["_id"], owner, fields, event, entry):
            self._relay_later(delivery["_id"])

    async def _record_sent(self, delivery_id: str, owner: str, fields: Document,
                           event: Envelope, entry: Document) -> bool:
        """One sent message recorded (the other channels' path): see `_record_all_sent`."""
        async for retry in retrying(attempts=None,
                                    timeout=domain.SENDING_LEASE.total_seconds() / 2):
            with retry:
                settled = await self.deliveries.settle(delivery_id, owner, fields, event,
                                                       entry)
        return settled

    async def _record_all_sent(self, sent: Sent) -> None:
        """The emails are out: recording them (one round trip for several, each update still
        conditional on the lease) outlasts a database stall, the batch lease renewed
        meanwhile, else it expires and the emails go out a second time. A retry after a write
        that did land matches nothing; the outbox sweep relays its events."""
        changes, sent[:] = list(sent), []
        if not changes:
            return
        try:
            async for retry in retrying(attempts=None,
                                        timeout=domain.SENDING_LEASE.total_seconds() / 2):
                with retry:
                    await self.deliveries.settle_many(changes)
        except BaseException:
            sent.extend(changes)  # kept for the batch's last recording (see `sweep`)
            raise
        if len(changes) < SETTLE_AT_ONCE:  # a trickle: its events now; a fan-out's, by sweep
            for query, _ in changes:
                self._relay_later(query["_id"])

    async def _failed(self, delivery: Document, owner: str, error: str, permanent: bool) -> None:
        attempts = int(delivery.get("attempts", 0)) + 1
        outcome = domain.after_failure(attempts, permanent, utcnow(), self.backoff_base)
        if permanent:
            suppressed = await self.journalists.record_bounce(
                delivery["journalist_id"], self.settings.notifier_bounce_limit)
            if suppressed:
                log.warning("address suppressed after repeated bounces", extra={
                    "journalist_id": delivery["journalist_id"]})
        event = self._event(delivery, DELIVERY_FAILED, DeliveryFailedV1(
            delivery_id=delivery["_id"], article_id=delivery["article_id"],
            recipient_id=delivery["journalist_id"], channel=delivery["channel"],
            kind=delivery["kind"], error=error, permanent=outcome.dead))
        fields: Document = {"state": outcome.state.value, "error": error,
                            "next_attempt_at": outcome.next_attempt_at}
        log.warning("delivery attempt failed", extra={
            "delivery_id": delivery["_id"], "attempts": attempts, "state": outcome.state.value,
            "error": error})
        entry = attempt(at=utcnow(), channel=delivery["channel"], answer=error,
                        state=outcome.state.value)
        if await self.deliveries.settle(delivery["_id"], owner, fields, event, entry):
            self._relay_later(delivery["_id"])

    async def _broken(self, delivery: Document, owner: str, exc: Exception) -> None:
        """An unexpected error on one delivery (its data, a template, the database): counted
        as a failed attempt, so a poison record ends dead instead of being retried forever."""
        log.exception("delivery attempt broke", extra={"delivery_id": delivery["_id"]})
        try:
            await self._failed(delivery, owner, f"internal error: {exc!r}"[:300], False)
        except Exception:  # the database is away too: the lease expires, it is retried
            log.exception("failed delivery not recorded", extra={
                "delivery_id": delivery["_id"]})

    def _event(self, delivery: Document, type_: str,
               data: DeliverySentV1 | DeliveryFailedV1) -> Envelope:
        return child_event(_parent(delivery["cause"]), type=type_, version=1, source=SERVICE,
                           subject=delivery["_id"], data=data)

    def _relay_later(self, delivery_id: str) -> None:
        """The event is in the outbox already: publishing it never holds up the next send.
        Beyond RELAYS_IN_FLIGHT, the outbox sweep publishes the rest."""
        if len(self._relays) >= RELAYS_IN_FLIGHT:
            return
        task = asyncio.create_task(self._relay(delivery_id))
        self._relays.add(task)
        task.add_done_callback(self._relays.discard)

    async def _relay(self, delivery_id: str) -> None:
        try:
            await self.relay(delivery_id)
        except TRANSIENT as exc:  # the outbox sweep publishes it later
            log.warning("event relay deferred", extra={"error": repr(exc)})

    async def _render(self, delivery: Document, article: Document | None,
                      journalist: Document | None, prepared: Batch) -> bytes:
        kind = Kind(delivery["kind"])
        if article is not None and article.get("taken_down") and kind is not Kind.WITHDRAWAL:
            raise Skip(DeliveryState.CANCELLED, TAKEN_DOWN_REASON)
        if article is None or not article.get("approved") or journalist is None:
            raise Skip(DeliveryState.DEAD, "article or journalist no longer known")
        if not journalist.get("active"):
            raise Skip(DeliveryState.SUPPRESSED, "the journalist unsubscribed before it was sent")
        if journalist.get("email_suppressed"):
            raise Skip(DeliveryState.SUPPRESSED, "the address bounced too often")
        published = article.get("published") or {}
        if kind is Kind.PRESS_RELEASE and not published.get("url"):
            raise Skip(DeliveryState.DEAD, "no publication URL for the press release")
        token = await unsubscribe_link_token(self.settings, self.journalists, journalist)
        base = self.settings.public_base_url.rstrip("/")
        links = recipient_links(self.settings, delivery, journalist)  # RSVP, proof
        occasion = delivery.get("occasion") or ""
        key = (article["_id"], kind.value, occasion)
        if key not in prepared:
            notice = dict(article.get("taken_down") or {})
            notice.update((article.get("corrections") or {}).get(occasion) or {})
            prepared[key] = prepare(kind, article["approved"],
                                    article_url=published.get("url"), public_base_url=base,
                                    notice=notice, calendar=first_calendar(
                                        article, self.settings.smtp_from)
                                    if kind is Kind.INVITATION else None)
        recipient = Recipient(name=journalist["name"], email=journalist["email"],
                              unsubscribe_url=f"{base}/unsubscribe/{token}", **links,
                              preferences_url=preferences_link(
                                  self.settings, journalist, issued_at(delivery)),
                              calendar=recipient_calendar(prepared[key].calendar,
                                                          journalist["email"]))
        raw = compose(prepared[key], delivery_id=delivery["_id"],
                      sender=self.settings.smtp_from, recipient=recipient, now=utcnow())
        return self.signer.sign(raw) if self.signer else raw

    # ---- the loop ---------------------------------------------------------------------------

    async def retry_forever(self, interval: float) -> None:
        """SENDER_LOOPS loops, so one claims its next batch while another's is being sent."""
        await asyncio.gather(*(self._loop(interval) for _ in range(SENDER_LOOPS)))

    async def _loop(self, interval: float) -> None:
        """A sender loop: woken by new deliveries, otherwise every `interval` for retries;
        a full batch goes straight on, a failing database backs off: never a hot loop."""
        delays = backoff_delays(wait_initial=max(interval, 0.5), wait_max=60.0)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
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
            if attempted:
                self._wake.set()
