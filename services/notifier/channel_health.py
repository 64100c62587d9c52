"""The health of the notifier's own channels (WhatsApp, Telegram), kept in the database, and
the admins' alerts: a loud log line plus the record `/readyz` and the console read."""

from __future__ import annotations

import logging
from typing import Any

from shared.envelope import utcnow
from shared.mongo import Database, Document, ReturnDocument, find_one_and_update

log = logging.getLogger("warta.notifier.alerts")

OK = "ok"
NEEDS_RECONNECT = "needs_reconnect"
TEMPLATE_BROKEN = "template_broken"


class ChannelHealth:
    def __init__(self, db: Database) -> None:
        self.collection = db["channel_health"]

    async def mark(self, channel: str, state: str, error: str | None = None) -> None:
        """Alerted by the one replica whose update changed the state (read in the same update)."""
        before = await find_one_and_update(self.collection, {"_id": channel},
            {"$set": {"state": state, "error": error, "checked_at": utcnow()}},
            upsert=True, return_document=ReturnDocument.BEFORE)
        if (before or {}).get("state", OK) != state and state != OK:
            log.error("channel needs an admin", extra={
                "alert": True, "channel": channel, "state": state, "error": error})

    async def get(self, channel: str) -> Document | None:
        return await self.collection.find_one({"_id": channel})

    async def all(self) -> dict[str, Any]:
        return {doc["_id"]: {"state": doc["state"], "error": doc.get("error")}
                async for doc in self.collection.find()}
