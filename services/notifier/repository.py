"""The notifier's own database: journalists, article snapshots, delivery records.

Every state change is one conditional single-document update keyed by `_id` whose result is
checked (no transactions). Delivery records carry their events in an embedded outbox. A sender
holds a delivery by a lease: `lease_owner` (its token) and `lease_until`, taken, renewed and
released only by conditional updates, so the lease holds across processes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from services.notifier.delivery_repository import DeliveryRepository
from services.notifier.preferences_rules import wants_region
from shared.envelope import utcnow
from shared.idempotency import mark_applied, not_yet_applied
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    update_one,
)

__all__ = ["ArticleRepository", "DeliveryRepository", "DuplicateEmail", "JournalistRepository"]


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

    async def many(self, journalist_ids: list[str]) -> dict[str, Document]:
        cursor = self.collection.find({"_id": {"$in": journalist_ids}})
        return {doc["_id"]: doc async for doc in cursor}

    async def record_bounce(self, journalist_id: str, limit: int) -> bool:
        """A permanent (5xx) refusal of this address; True once it reached `limit` and the
        address is suppressed (no more email to it, until an admin clears it)."""
        doc = await self.collection.find_one_and_update(
            {"_id": journalist_id}, {"$inc": {"email_bounces": 1}}, {"email_bounces": 1},
            return_document=True)
        if doc is None or int(doc.get("email_bounces", 0)) < limit:
            return False
        await update_one(self.collection, {"_id": journalist_id},
                         {"$set": {"email_suppressed": True, "updated_at": utcnow()}})
        return True

    async def page(self, *, limit: int, after: str | None = None) -> list[Document]:
        query: dict[str, Any] = {"_id": {"$gt": after}} if after else {}
        cursor = self.collection.find(query).sort("_id", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def following(self, opd_id: str, region: str | None = None
                        ) -> AsyncIterator[Document]:
        """Active journalists who follow this OPD or every OPD (an empty list) and the OPD's
        region (or every region), streamed: the multikey index on `opd_ids` narrows the read;
        regions are compared by their normalised key (preferences_rules); categories are
        matched by the caller."""
        query = {"active": True, "$or": [{"opd_ids": opd_id}, {"opd_ids": []}]}
        async for journalist in self.collection.find(query):
            if region is None or wants_region(journalist, region):
                yield journalist

    async def set_subscriptions(self, journalist_id: str, opd_ids: list[str],
                                categories: list[str], regions: list[str] | None
                                ) -> Document | None:
        """`regions` None: left as they are."""
        fields: Document = {"opd_ids": opd_ids, "categories": categories,
                            "updated_at": utcnow()}
        if regions is not None:
            fields["regions"] = regions
        result = await update_one(self.collection, {"_id": journalist_id}, {"$set": fields})
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
