"""Digest-pending records: one per journalist and due moment, collecting that day's releases.

An article joins a journalist's pending digest by one conditional upsert (`$addToSet`, so a
redelivered event adds nothing); a digest being sent or sent already takes no more articles,
which then go to the next day's. Sending claims a digest by a leased conditional update.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notifier.digest_rules import delivery_of, digest_id, next_digest_at
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    update_one,
)

PENDING, SENDING, SENT = "pending", "sending", "sent"
NEXT_DAY = timedelta(days=1)


class DigestRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["digests"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("state", ASCENDING), ("due_at", ASCENDING)]),
            IndexModel([("journalist_id", ASCENDING), ("article_ids", ASCENDING)]),
            IndexModel([("created_at", ASCENDING)]),
        ])

    async def collect(self, journalist: Document, article_id: str, now: datetime
                      ) -> str | None:
        """The digest the article waits in (None: it is in one already)."""
        if await self.collection.find_one({"journalist_id": journalist["_id"],
                                           "article_ids": article_id}, {"_id": 1}):
            return None  # a redelivered event, maybe after that digest went out
        chosen = delivery_of(journalist)
        due_at = next_digest_at(now, chosen["hour"], chosen["zone"])
        for _ in range(3):
            key = digest_id(journalist["_id"], due_at)
            try:
                await update_one(self.collection, {"_id": key, "state": PENDING}, {
                    "$addToSet": {"article_ids": article_id},
                    "$setOnInsert": {"journalist_id": journalist["_id"], "due_at": due_at,
                                     "zone": chosen["zone"], "attempts": 0, "error": None,
                                     "lease_owner": None, "lease_until": None,
                                     "created_at": now}}, upsert=True)
            except DuplicateKeyError:  # that digest is being sent: the next day's then
                due_at += NEXT_DAY
                continue
            return key
        raise RuntimeError(f"no pending digest for {journalist['_id']}")

    async def due(self, at: datetime, limit: int) -> list[str]:
        cursor = self.collection.find({"state": {"$in": [PENDING, SENDING]},
                                       "due_at": {"$lte": at}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor.sort("due_at", ASCENDING).limit(limit)]

    async def claim(self, key: str, owner: str, at: datetime, now: datetime,
                    lease_until: datetime) -> Document | None:
        """pending (or sending with an expired lease) -> sending, leased to `owner`."""
        return await find_one_and_update(self.collection,
            {"_id": key, "due_at": {"$lte": at}, "$or": [
                {"state": PENDING}, {"state": SENDING, "lease_until": {"$lt": now}}]},
            {"$set": {"state": SENDING, "lease_owner": owner, "lease_until": lease_until}},
            return_document=ReturnDocument.AFTER)

    async def settle(self, key: str, owner: str, fields: dict[str, Any],
                     attempted: bool = True) -> bool:
        update: dict[str, Any] = {"$set": {**fields, "lease_owner": None,
                                           "lease_until": None}}
        if attempted:
            update["$inc"] = {"attempts": 1}
        result = await update_one(self.collection,
                                  {"_id": key, "state": SENDING, "lease_owner": owner}, update)
        return result.modified_count == 1
