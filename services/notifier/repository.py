"""The notifier's own database: journalists, article snapshots, delivery records.

Every state change is one conditional single-document update keyed by `_id` whose result is
checked (no transactions). Delivery records carry their events in an embedded outbox. A sender
holds a delivery by a lease: `lease_owner` (its token) and `lease_until`, taken, renewed and
released only by conditional updates, so the lease holds across processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from services.notifier.domain import RETRYABLE_STATES, DeliveryState
from shared.envelope import Envelope, utcnow
from shared.idempotency import insert_once, mark_applied, not_yet_applied
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    ReturnDocument,
    find_one_and_update,
    update_one,
)
from shared.outbox import OUTBOX_FIELD, outbox_push


class DuplicateEmail(Exception):
    pass


class JournalistRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["journalists"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("email", ASCENDING)], unique=True)
        await self.collection.create_index([("opd_ids", ASCENDING)])

    async def add(self, document: Document) -> None:
        """Raises DuplicateEmail: the unique index decides, not a read-then-write."""
        if await self.collection.find_one({"email": document["email"]}, {"_id": 1}):
            raise DuplicateEmail(document["email"])
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError as exc:
            raise DuplicateEmail(document["email"]) from exc

    async def get(self, journalist_id: str) -> Document | None:
        return await self.collection.find_one({"_id": journalist_id})

    async def page(self, *, limit: int, after: str | None = None) -> list[Document]:
        query: dict[str, Any] = {"_id": {"$gt": after}} if after else {}
        cursor = self.collection.find(query).sort("_id", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def following(self, opd_id: str) -> AsyncIterator[Document]:
        """Active journalists who follow this OPD or every OPD (an empty list), streamed: the
        multikey index on `opd_ids` narrows the read; categories are matched by the caller."""
        query = {"active": True, "$or": [{"opd_ids": opd_id}, {"opd_ids": []}]}
        async for journalist in self.collection.find(query):
            yield journalist

    async def set_subscriptions(self, journalist_id: str, opd_ids: list[str],
                                categories: list[str]) -> Document | None:
        result = await update_one(self.collection,
            {"_id": journalist_id},
            {"$set": {"opd_ids": opd_ids, "categories": categories, "updated_at": utcnow()}})
        if result.matched_count == 0:
            return None
        return await self.get(journalist_id)

    async def by_token_hash(self, digest: str) -> Document | None:
        return await self.collection.find_one({"unsubscribe_hash": digest})

    async def set_unsubscribe_hash(self, journalist_id: str, digest: str) -> None:
        """A new unsubscribe link (its key rotated out); the old link stops working."""
        await update_one(self.collection, {"_id": journalist_id},
                         {"$set": {"unsubscribe_hash": digest, "updated_at": utcnow()}})

    async def deactivate(self, journalist_id: str) -> None:
        now = utcnow()
        await update_one(self.collection,
            {"_id": journalist_id, "active": True},
            {"$set": {"active": False, "unsubscribed_at": now, "updated_at": now}})


class ArticleRepository:
    """What the notifier keeps of an article: the approved snapshot and the first publication."""

    def __init__(self, db: Database) -> None:
        self.collection = db["articles"]

    async def get(self, article_id: str) -> Document | None:
        return await self.collection.find_one({"_id": article_id})

    async def record(self, article_id: str, event_id: str, fields: dict[str, Any],
                     only_if_missing: str | None = None) -> bool:
        """Apply one event's fields once (upsert); False if it was applied before.

        `only_if_missing`: keep the first value of that field (the first publication wins).
        """
        query = not_yet_applied(article_id, event_id)
        if only_if_missing:
            query[only_if_missing] = {"$exists": False}
        update = {"$set": {**fields, "updated_at": utcnow()},
                  "$addToSet": mark_applied(event_id)}
        try:
            result = await update_one(self.collection, query, update, upsert=True)
            if result.upserted_id is not None or result.modified_count == 1:
                return True
        except DuplicateKeyError:
            # Either another event created the document just now (retry as a plain update)...
            result = await update_one(self.collection, query, update)
            if result.modified_count == 1:
                return True
        # ... or the filter does not match: applied already, or (with `only_if_missing`) the
        # field is set already; remember the event id either way.
        await update_one(self.collection,
            {"_id": article_id}, {"$addToSet": mark_applied(event_id)})
        return False


class DeliveryRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("article_id", ASCENDING)])
        await self.collection.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])

    async def create(self, document: Document) -> bool:
        """False if this (article, recipient, kind) delivery exists already."""
        return await insert_once(self.collection, document)

    async def get(self, delivery_id: str) -> Document | None:
        return await self.collection.find_one({"_id": delivery_id}, {OUTBOX_FIELD: 0})

    async def for_article(self, article_id: str | None, limit: int) -> list[Document]:
        query: dict[str, Any] = {"article_id": article_id} if article_id else {}
        cursor = self.collection.find(query, {OUTBOX_FIELD: 0}).sort("_id", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Pending or failed deliveries whose time has come, and sends abandoned by a crash."""
        retry = self.collection.find(
            {"state": {"$in": list(RETRYABLE_STATES)}, "next_attempt_at": {"$lte": now}},
            {"_id": 1}).sort("next_attempt_at", ASCENDING).limit(limit)
        ids = [doc["_id"] async for doc in retry]
        stuck = self.collection.find(
            {"state": DeliveryState.SENDING.value, "lease_until": {"$lt": now}},
            {"_id": 1}).limit(limit)
        ids += [doc["_id"] async for doc in stuck]
        return ids[:limit]

    async def claim(self, delivery_id: str, owner: str, now: datetime, lease_until: datetime
                    ) -> Document | None:
        """pending/failed (due) or abandoned sending -> sending, leased to `owner`, in one
        conditional update: of several claimants (in any process) exactly one gets the record."""
        return await find_one_and_update(self.collection,
            {"_id": delivery_id, "$or": [
                {"state": {"$in": list(RETRYABLE_STATES)}, "next_attempt_at": {"$lte": now}},
                {"state": DeliveryState.SENDING.value, "lease_until": {"$lt": now}}]},
            {"$set": {"state": DeliveryState.SENDING.value, "lease_owner": owner,
                      "lease_until": lease_until, "updated_at": now}},
            projection={OUTBOX_FIELD: 0}, return_document=ReturnDocument.AFTER)

    async def renew(self, delivery_id: str, owner: str, lease_until: datetime) -> bool:
        """Extend `owner`'s lease; False if it is not held by `owner` any more."""
        result = await update_one(self.collection,
            {"_id": delivery_id, "state": DeliveryState.SENDING.value, "lease_owner": owner},
            {"$set": {"lease_until": lease_until}})
        return result.matched_count == 1

    async def settle(self, delivery_id: str, owner: str, fields: dict[str, Any],
                     event: Envelope) -> bool:
        """sending -> sent | failed | dead, with its event, only while `owner` holds the lease."""
        result = await update_one(self.collection,
            {"_id": delivery_id, "state": DeliveryState.SENDING.value, "lease_owner": owner},
            {"$set": {**fields, "lease_until": None, "lease_owner": None,
                      "updated_at": utcnow()},
             "$inc": {"attempts": 1}, "$push": outbox_push([event])})
        return result.modified_count == 1

    async def cancel_claimed(self, delivery_id: str, owner: str, reason: str) -> bool:
        """sending -> cancelled before anything was sent, while `owner` holds the lease."""
        result = await update_one(self.collection,
            {"_id": delivery_id, "state": DeliveryState.SENDING.value, "lease_owner": owner},
            {"$set": _cancelled(reason)})
        return result.modified_count == 1

    async def cancel_for_article(self, article_id: str, reason: str) -> int:
        """Every not-yet-sent delivery of an article that nobody is sending -> cancelled.
        One being sent right now is left to its sender, which checks the article first."""
        result = await self.collection.update_many(
            {"article_id": article_id, "state": {"$in": list(RETRYABLE_STATES)}},
            {"$set": _cancelled(reason)})
        return int(result.modified_count)


def _cancelled(reason: str) -> dict[str, Any]:
    return {"state": DeliveryState.CANCELLED.value, "error": reason, "next_attempt_at": None,
            "lease_until": None, "lease_owner": None, "updated_at": utcnow()}
