"""Failed sign-ins counted in the database, so every replica enforces one limit.

Plumbing only: a service decides which keys it counts (a username, a client address) and how
many failures it allows. One document per failure, removed by a TTL index after the window.
An attempt is written before its password or code is checked and forgiven when it succeeds:
counted only after a failure, parallel guesses would all pass the count before any was written.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.mongo import Database, IndexModel


class LoginFailures:
    def __init__(self, db: Database, window: timedelta,
                 collection: str = "login_failures") -> None:
        self.collection = db[collection]
        self.window = window

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("key", 1), ("at", 1)]), IndexModel("expires_at", expireAfterSeconds=0)])

    async def recent(self, keys: list[str], now: datetime) -> int:
        """The most failures any one of `keys` has within the window."""
        counts = [await self.collection.count_documents(
            {"key": key, "at": {"$gt": now - self.window}}) for key in keys]
        return max(counts, default=0)

    async def oldest(self, keys: list[str], now: datetime) -> datetime | None:
        """When the oldest failure still inside the window happened (for Retry-After)."""
        doc = await self.collection.find_one(
            {"key": {"$in": keys}, "at": {"$gt": now - self.window}}, sort=[("at", 1)])
        return None if doc is None else doc["at"]

    async def failed(self, keys: list[str], now: datetime) -> list[str]:
        """Counts one attempt under each key; returns its records' ids (for `forgive`)."""
        records = [{"_id": str(uuid.uuid4()), "key": key, "at": now,
                    "expires_at": now + self.window} for key in keys]
        await self.collection.insert_many(records)
        return [str(record["_id"]) for record in records]

    async def forgive(self, ids: list[str]) -> None:
        """An attempt that succeeded no longer counts."""
        if ids:
            await self.collection.delete_many({"_id": {"$in": ids}})
