"""Editorial's accounts (the `editors` collection): the one place accounts are written.

An account is one document with a `version`; every change is one conditional update on
`_id` + `version` that also appends to its audit `history` and puts the account's new state in
its embedded outbox, so the change, its audit line and its event cannot part.
"""

from __future__ import annotations

from typing import Any

from shared.auth import Account
from shared.envelope import Envelope, utcnow
from shared.mongo import ASCENDING, Database, Document, DuplicateKeyError, update_one
from shared.outbox import outbox_field, versioned_change

HIDDEN = {"password_hash": 0, "outbox": 0}


class AccountRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["editors"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("role", ASCENDING), ("active", ASCENDING)])

    async def account(self, username: str) -> Account | None:
        """The `AccountDirectory` of editorial itself: its own data, always current."""
        doc = await self.collection.find_one({"_id": username}, {"role": 1, "active": 1})
        if doc is None:
            return None
        return Account(username=username, role=str(doc["role"]), active=bool(doc.get("active")))

    async def add(self, document: Document, event: Envelope) -> bool:
        """Insert a new account with its first event; False if the username is taken."""
        try:
            await self.collection.insert_one({**document, "outbox": outbox_field([event])})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, username: str, *, with_secret: bool = False) -> Document | None:
        return await self.collection.find_one(
            {"_id": username}, None if with_secret else HIDDEN)

    async def page(self, *, limit: int, after: str | None) -> list[Document]:
        query: dict[str, Any] = {"_id": {"$gt": after}} if after else {}
        cursor = self.collection.find(query, {**HIDDEN, "history": 0}).sort("_id", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def any_admin(self) -> bool:
        return await self.collection.find_one({"role": "admin"}, {"_id": 1}) is not None

    async def change(self, username: str, expected_version: int, fields: Document,
                     history: Document, event: Envelope) -> bool:
        """Apply one change if nobody changed the account since `expected_version`."""
        query, update = versioned_change(username, expected_version, fields, events=[event],
                                         push={"history": {**history, "at": utcnow()}})
        if expected_version == 0:
            query["version"] = None  # accounts made before versioning carry none
        result = await update_one(self.collection, query, update)
        return result.matched_count == 1
