"""Console sessions in the console's own database, so any replica serves any signed-in user."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from services.console.domain import Session
from shared.mongo import Database, IndexModel, update_one


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["sessions"]

    async def ensure_indexes(self) -> None:
        # Expired sessions are refused on read; the TTL index only tidies them away.
        await self.collection.create_indexes([IndexModel("expires_at", expireAfterSeconds=0)])

    async def add(self, session: Session) -> None:
        doc = asdict(session)
        doc["_id"] = doc.pop("id_hash")
        await self.collection.insert_one(doc)

    async def get(self, id_hash: str, now: datetime) -> Session | None:
        doc = await self.collection.find_one({"_id": id_hash, "expires_at": {"$gt": now}})
        if doc is None:
            return None
        doc["id_hash"] = doc.pop("_id")
        return Session(**doc)

    async def advance(self, id_hash: str, from_stage: str, to_stage: str) -> bool:
        """Conditional: a code accepted twice at once moves the session once."""
        result = await update_one(self.collection, {"_id": id_hash, "stage": from_stage},
                                  {"$set": {"stage": to_stage}})
        return result.modified_count == 1

    async def tokens(self, id_hash: str, access: str, refresh: str, expires: datetime) -> None:
        await update_one(self.collection, {"_id": id_hash}, {"$set": {
            "access_token": access, "refresh_token": refresh, "access_expires": expires}})

    async def remove(self, id_hash: str) -> None:
        await self.collection.delete_one({"_id": id_hash})
