"""Failed sign-ins counted in the database, per username and per client address."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.mongo import Database, IndexModel


class AttemptRepository:
    def __init__(self, db: Database, window: timedelta) -> None:
        self.collection = db["login_failures"]
        self.window = window

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("key", 1), ("at", 1)]), IndexModel("expires_at", expireAfterSeconds=0)])

    async def recent(self, keys: list[str], now: datetime) -> int:
        """The most failures any one of `keys` has within the window."""
        counts = [await self.collection.count_documents(
            {"key": key, "at": {"$gt": now - self.window}}) for key in keys]
        return max(counts, default=0)

    async def failed(self, keys: list[str], now: datetime) -> None:
        await self.collection.insert_many([
            {"_id": str(uuid.uuid4()), "key": key, "at": now, "expires_at": now + self.window}
            for key in keys])
