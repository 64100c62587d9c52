"""New OPD keys waiting to be shown once, sealed, in the console's own database.

Why stored at all: the key page is reached by a redirect (a reload must not create another
key), so the key waits here between the POST and that page's first and only GET. It is sealed
with the session id, which only the browser's cookie holds (the database has its hash), and
taken out by the read that shows it.
"""

from __future__ import annotations

from datetime import datetime

from shared.mongo import Database, Document, IndexModel


class RevealRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["key_reveals"]

    async def ensure_indexes(self) -> None:
        # Expired ones are refused on read; the TTL index only tidies them away.
        await self.collection.create_indexes([IndexModel("expires_at", expireAfterSeconds=0)])

    async def keep(self, reveal: Document) -> None:
        await self.collection.insert_one(reveal)

    async def take(self, reveal_id: str, session_hash: str, code: str, now: datetime
                   ) -> Document | None:
        """The reveal, removed by this very read: a second read (a reload) finds nothing. A
        link naming another OPD finds nothing and leaves the key to its own page."""
        doc: Document | None = await self.collection.find_one_and_delete(
            {"_id": reveal_id, "session": session_hash, "code": code, "expires_at": {"$gt": now}})
        return doc
