"""The records of a journalist's own channels beside their email record, at fan-out (pure)."""

from __future__ import annotations

from services.notifier.preferences_rules import apply
from shared.mongo import Document
from shared.vocabulary import NotificationChannel

WHATSAPP = NotificationChannel.WHATSAPP.value
TELEGRAM = NotificationChannel.TELEGRAM.value
WEBHOOK = NotificationChannel.WEBHOOK.value


def channel_records(email_record: Document, journalist: Document) -> list[Document]:
    """One more record per confirmed channel that is not suppressed; its `_id` derives from
    the email record's, so a redelivered event creates none of them twice."""
    records: list[Document] = []
    if (journalist.get("whatsapp") and journalist.get("whatsapp_confirmed_at")
            and not journalist.get("whatsapp_suppressed")):
        records.append({**email_record, "_id": f"{email_record['_id']}:{WHATSAPP}",
                        "channel": WHATSAPP, "recipient": journalist["whatsapp"],
                        "log": [], "outbox": []})
    if journalist.get("telegram_chat_id") and not journalist.get("telegram_suppressed"):
        records.append({**email_record, "_id": f"{email_record['_id']}:{TELEGRAM}",
                        "channel": TELEGRAM, "recipient": str(journalist["telegram_chat_id"]),
                        "log": [], "outbox": []})
    webhook = journalist.get("webhook") or {}
    if webhook.get("active"):
        records.append({**email_record, "_id": f"{email_record['_id']}:{WEBHOOK}",
                        "channel": WEBHOOK, "recipient": webhook["url"],
                        "log": [], "outbox": []})
    now = email_record["next_attempt_at"]  # the fan-out's moment
    return [shaped for record in records if (shaped := apply(record, journalist, now))]
