"""Events of the notification stream, written by the notifier."""

from __future__ import annotations

from datetime import datetime

from shared.envelope import EventData

DELIVERY_SENT = "delivery.sent"
DELIVERY_FAILED = "delivery.failed"


class DeliverySentV1(EventData):
    delivery_id: str
    article_id: str
    recipient_id: str
    channel: str
    kind: str
    sent_at: datetime


class DeliveryFailedV1(EventData):
    delivery_id: str
    article_id: str
    recipient_id: str
    channel: str
    kind: str
    error: str
    permanent: bool
