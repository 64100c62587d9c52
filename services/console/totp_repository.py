"""Second-factor secrets of chief editors and admins, kept in the console's own database.

Why here: the second factor guards the console's sessions, and the console is its only reader;
editorial's accounts stay untouched. A secret is enrolled at the account's first sign-in and
confirmed by its first valid code; `last_step` refuses a code used twice.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from shared.mongo import Database, Document, DuplicateKeyError, update_one


class TotpRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["totp_secrets"]

    async def get(self, username: str) -> Document | None:
        doc: Document | None = await self.collection.find_one({"_id": username})
        return doc

    async def enrol(self, username: str, secret: str, now: datetime) -> Document:
        """The pending secret; an existing one (pending or confirmed) is kept."""
        with contextlib.suppress(DuplicateKeyError):  # kept: a second tab shows the same key
            await self.collection.insert_one({"_id": username, "secret": secret,
                                              "confirmed": False, "created_at": now})
        doc = await self.get(username)
        assert doc is not None
        return doc

    async def use_step(self, username: str, step: int, now: datetime) -> bool:
        """True once per time step: the same code cannot open a second session."""
        result = await update_one(self.collection, {
            "_id": username, "$or": [{"last_step": {"$lt": step}},
                                     {"last_step": {"$exists": False}}]},
            {"$set": {"last_step": step, "confirmed": True, "used_at": now}})
        return result.modified_count == 1
