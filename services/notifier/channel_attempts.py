"""One attempt on a journalist's own channel (WhatsApp, Telegram, webhook) inside a batch.

The sender (sender.py) hands a claimed delivery whose channel is not email to its channel's
sender here; the record is settled like an email: state, attempt log, event in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from services.notifier import domain
from services.notifier.delivery_log import attempt
from services.notifier.domain import DeliveryState, Kind
from shared.envelope import utcnow
from shared.events.notifications import DELIVERY_SENT, DeliverySentV1
from shared.mongo import Document

if TYPE_CHECKING:
    from services.notifier.sender import Sender

TAKEN_DOWN = "article taken down before it was sent"


class ChannelSkip(Exception):
    """Never to be sent: `state` says why (cancelled, suppressed, dead)."""

    def __init__(self, state: DeliveryState, reason: str) -> None:
        super().__init__(reason)
        self.state, self.reason = state, reason


class ChannelFailed(Exception):
    """This attempt failed; `permanent`: no retry helps; `retry_after`: wait at least this."""

    def __init__(self, error: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error, self.permanent, self.retry_after = error, permanent, retry_after


@dataclass(frozen=True)
class ChannelSent:
    answer: str
    provider_id: str


class ChannelSender(Protocol):
    async def send(self, delivery: Document, article: Document,
                   journalist: Document) -> ChannelSent: ...


def common_checks(delivery: Document, article: Document | None,
                  journalist: Document | None) -> tuple[Document, Document]:
    kind = Kind(delivery["kind"])
    if article is not None and article.get("taken_down") and kind is not Kind.WITHDRAWAL:
        raise ChannelSkip(DeliveryState.CANCELLED, TAKEN_DOWN)
    if article is None or not article.get("approved") or journalist is None:
        raise ChannelSkip(DeliveryState.DEAD, "article or journalist no longer known")
    if not journalist.get("active"):
        raise ChannelSkip(DeliveryState.SUPPRESSED, "the journalist unsubscribed")
    return article, journalist


async def attempt_on_channel(sender: Sender, channel: ChannelSender, delivery: Document,
                             owner: str, *, article: Document | None,
                             journalist: Document | None) -> None:
    now = utcnow()
    try:
        known_article, known_journalist = common_checks(delivery, article, journalist)
        sent = await channel.send(delivery, known_article, known_journalist)
    except ChannelSkip as skip:
        entry = attempt(at=now, channel=delivery["channel"], answer=skip.reason,
                        state=skip.state.value)
        await sender.deliveries.settle(delivery["_id"], owner, {
            "state": skip.state.value, "error": skip.reason, "next_attempt_at": None},
            None, entry)
        return
    except ChannelFailed as failed:
        await _failed(sender, delivery, owner, failed)
        return
    sent_at = utcnow()
    event = sender._event(delivery, DELIVERY_SENT, DeliverySentV1(
        delivery_id=delivery["_id"], article_id=delivery["article_id"],
        recipient_id=delivery["journalist_id"], channel=delivery["channel"],
        kind=delivery["kind"], sent_at=sent_at))
    fields: Document = {"state": DeliveryState.SENT.value, "sent_at": sent_at, "error": None,
                        "next_attempt_at": None, "provider_id": sent.provider_id}
    entry = attempt(at=sent_at, channel=delivery["channel"], answer=sent.answer,
                    state=DeliveryState.SENT.value)
    if await sender._record_sent(delivery["_id"], owner, fields, event, entry):
        sender._relay_later(delivery["_id"])


async def _failed(sender: Sender, delivery: Document, owner: str, failed: ChannelFailed) -> None:
    from shared.events.notifications import DELIVERY_FAILED, DeliveryFailedV1

    attempts = int(delivery.get("attempts", 0)) + 1
    outcome = domain.after_failure(attempts, failed.permanent, utcnow(), sender.backoff_base)
    next_at = outcome.next_attempt_at
    if next_at is not None and failed.retry_after:
        next_at = max(next_at, utcnow() + timedelta(seconds=failed.retry_after))
    event = sender._event(delivery, DELIVERY_FAILED, DeliveryFailedV1(
        delivery_id=delivery["_id"], article_id=delivery["article_id"],
        recipient_id=delivery["journalist_id"], channel=delivery["channel"],
        kind=delivery["kind"], error=failed.error, permanent=outcome.dead))
    entry = attempt(at=utcnow(), channel=delivery["channel"], answer=failed.error,
                    state=outcome.state.value)
    if await sender.deliveries.settle(delivery["_id"], owner, {
            "state": outcome.state.value, "error": failed.error, "next_attempt_at": next_at},
            event, entry):
        sender._relay_later(delivery["_id"])
