"""Delivery records: created in bulk, claimed in leased batches, settled one by one.

Every state change is conditional and checked. A batch is claimed by one `update_many` whose
filter re-checks each record's state (a record goes to exactly one claimant), then read back by
the claimant's token; each record is then settled by its own conditional update that also
appends the attempt to its log and its event to its outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.notifier.domain import RETRYABLE_STATES, DeliveryState
from shared.envelope import Envelope, utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    IndexModel,
    insert_new,
    update_each,
    update_one,
)
from shared.outbox import OUTBOX_FIELD, outbox_push

SENDING = DeliveryState.SENDING.value
# Due first by priority, then by rank within its article's fan-out (`slot`): a new article's
# first recipients come before a large fan-out's thousandth, so no article waits for another.
DUE_ORDER = [("priority", ASCENDING), ("slot", ASCENDING)]


def _due(now: datetime) -> dict[str, Any]:
    return {"$or": [
        {"state": {"$in": list(RETRYABLE_STATES)}, "next_attempt_at": {"$lte": now}},
        {"state": SENDING, "lease_until": {"$lt": now}}]}


class DeliveryRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("article_id", ASCENDING), ("state", ASCENDING)]),
            IndexModel([("state", ASCENDING), *DUE_ORDER]),
            IndexModel([("state", ASCENDING), ("next_attempt_at", ASCENDING)]),
            IndexModel([("lease_owner", ASCENDING)]),
            IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)]),
        ])

    async def create_many(self, documents: list[Document]) -> int:
        """Records whose `_id` exists already are skipped (a redelivered event)."""
        return await insert_new(self.collection, documents)

    async def create(self, document: Document) -> bool:
        return await self.create_many([document]) == 1

    async def get(self, delivery_id: str) -> Document | None:
        return await self.collection.find_one({"_id": delivery_id}, {OUTBOX_FIELD: 0})

    async def for_article(self, article_id: str | None, limit: int) -> list[Document]:
        query: dict[str, Any] = {"article_id": article_id} if article_id else {}
        cursor = self.collection.find(query, {OUTBOX_FIELD: 0}).sort("_id", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def claim_batch(self, owner: str, now: datetime, lease_until: datetime, limit: int
                          ) -> list[Document]:
        """Up to `limit` due records -> sending, leased to `owner`: two round trips a batch."""
        # Two plain queries rather than one $or, so each walks its own index.
        due = self.collection.find(
            {"state": {"$in": list(RETRYABLE_STATES)}, "next_attempt_at": {"$lte": now}},
            {"_id": 1}).sort(DUE_ORDER).limit(limit)
        ids = [doc["_id"] async for doc in due]
        stuck = self.collection.find({"state": SENDING, "lease_until": {"$lt": now}},
                                     {"_id": 1}).limit(max(1, limit - len(ids)))
        ids += [doc["_id"] async for doc in stuck]
        if not ids:
            return []
        await self.collection.update_many(
            {"_id": {"$in": ids}, **_due(now)},
            {"$set": {"state": SENDING, "lease_owner": owner, "lease_until": lease_until,
                      "updated_at": now}})
        claimed = self.collection.find({"lease_owner": owner, "state": SENDING},
                                       {OUTBOX_FIELD: 0, "log": 0})
        return [doc async for doc in claimed]

    async def renew_batch(self, owner: str, lease_until: datetime) -> bool:
        """Extend the lease of what `owner` still holds (never fails the batch: see sender)."""
        await self.collection.update_many({"lease_owner": owner, "state": SENDING},
                                          {"$set": {"lease_until": lease_until}})
        return True

    async def settle(self, delivery_id: str, owner: str, fields: dict[str, Any],
                     event: Envelope | None, attempt: Document | None = None) -> bool:
        """sending -> sent | failed | dead | suppressed | cancelled, only while `owner` holds
        the lease; the attempt goes to the record's log, the event to its outbox."""
        query, update = settlement(delivery_id, owner, fields, event, attempt)
        result = await update_one(self.collection, query, update)
        return result.modified_count == 1

    async def settle_many(self, changes: list[tuple[Document, Document]]) -> int:
        """Several `settlement`s in one round trip, each still conditional on its own."""
        return await update_each(self.collection, changes)

    async def cancel_for_article(self, article_id: str, reason: str,
                                 kinds: list[str] | None = None) -> int:
        """Every not-yet-sent delivery of an article that nobody is sending -> cancelled.
        One being sent right now is left to its sender, which checks the article first."""
        query: dict[str, Any] = {"article_id": article_id,
                                 "state": {"$in": list(RETRYABLE_STATES)}}
        if kinds:
            query["kind"] = {"$in": kinds}
        result = await self.collection.update_many(query, {"$set": cancelled(reason)})
        return int(result.modified_count)

    async def recipients(self, article_id: str, kinds: list[str]) -> list[str]:
        """Journalists an article's message of these kinds reached."""
        cursor = self.collection.find(
            {"article_id": article_id, "state": DeliveryState.SENT.value,
             "kind": {"$in": kinds}}, {"journalist_id": 1})
        return list(dict.fromkeys([doc["journalist_id"] async for doc in cursor]))


def cancelled(reason: str) -> dict[str, Any]:
    return {"state": DeliveryState.CANCELLED.value, "error": reason, "next_attempt_at": None,
            "lease_until": None, "lease_owner": None, "updated_at": utcnow()}


def settlement(delivery_id: str, owner: str, fields: dict[str, Any], event: Envelope | None,
               attempt: Document | None = None) -> tuple[Document, Document]:
    update: dict[str, Any] = {"$set": {**fields, "lease_until": None, "lease_owner": None,
                                       "updated_at": utcnow()}}
    if attempt is not None:
        update["$inc"] = {"attempts": 1}
        update["$push"] = {"log": attempt}
    if event is not None:
        update.setdefault("$push", {}).update(outbox_push([event]))
    return {"_id": delivery_id, "state": SENDING, "lease_owner": owner}, update
