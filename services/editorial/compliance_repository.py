"""What compliance reads and writes: articles by submission time, the monthly reminders (one
document per OPD per month, its event in an embedded outbox) and the reminder job's lease."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.envelope import Envelope
from shared.idempotency import insert_once
from shared.mongo import ASCENDING, Database, Document, DuplicateKeyError, update_one
from shared.outbox import OUTBOX_FIELD, outbox_field

_ARTICLE_FIELDS = {"opd": 1, "received_at": 1, "status": 1, "published_at": 1,
                   "history.action": 1}


class ComplianceRepository:
    def __init__(self, db: Database) -> None:
        self.articles = db["articles"]
        self.reminders = db["opd_reminders"]
        self.leases = db["leases"]

    async def ensure_indexes(self) -> None:
        await self.articles.create_index([("received_at", ASCENDING)])

    async def submitted_between(self, start: datetime, end: datetime) -> list[Document]:
        found = self.articles.find({"received_at": {"$gte": start, "$lt": end}}, _ARTICLE_FIELDS)
        return [doc async for doc in found]

    async def remind_once(self, reminder: dict[str, Any], event: Envelope) -> bool:
        """Record the month's reminder with its event; False if it was sent already."""
        return await insert_once(self.reminders, {**reminder, OUTBOX_FIELD: outbox_field([event])})

    async def reminded(self, reminder_ids: list[str]) -> set[str]:
        found = self.reminders.find({"_id": {"$in": reminder_ids}}, {"_id": 1})
        return {doc["_id"] async for doc in found}

    async def take_lease(self, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Hold `name` until now + ttl, if it is free, lapsed or already ours."""
        try:
            await update_one(
                self.leases,
                {"_id": name, "$or": [{"until": {"$lte": now}}, {"owner": owner}]},
                {"$set": {"owner": owner, "until": now + ttl}}, upsert=True)
        except DuplicateKeyError:
            return False  # another replica holds it: the upsert's insert collided
        return True
