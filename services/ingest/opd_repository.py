"""OPDs and their API keys in ingest's database.

An OPD is one document (`_id` = opd id, unique `code`). Each key is its own document with
`_id` = key id, so the per-request lookup is a find by `_id` (the only fast query on FerretDB v1);
it carries a copy of the OPD's identity (`opd`) so authenticating is one read. Only the HMAC of
the secret is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.envelope import new_id, utcnow
from shared.events.common import OpdRef
from shared.mongo import ASCENDING, Database, Document, DuplicateKeyError, IndexModel, update_one

ACTIVE_KEYS_LIMIT = 2  # two active keys during a change-over, never more


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    opd_id: str
    key_hash: str
    opd: OpdRef
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class OpdExists(Exception):
    """An OPD with this code already exists."""


class OpdRepository:
    def __init__(self, db: Database) -> None:
        self.opds = db["opds"]
        self.keys = db["opd_keys"]

    async def ensure_indexes(self) -> None:
        await self.opds.create_indexes([IndexModel([("code", ASCENDING)], unique=True)])

    async def create(self, opd: dict[str, Any]) -> Document:
        """Insert an OPD (`code`, `name`, `region`, `timezone`, `email`, `phone`)."""
        document = {"_id": new_id(), **opd, "created_at": utcnow()}
        try:
            await self.opds.insert_one(document)
        except DuplicateKeyError as exc:
            raise OpdExists(opd["code"]) from exc
        return document

    async def get(self, opd_id: str) -> Document | None:
        return await self.opds.find_one({"_id": opd_id})

    async def by_code(self, code: str) -> Document | None:
        return await self.opds.find_one({"code": code})

    async def all_opds(self, limit: int = 500) -> list[Document]:
        return [doc async for doc in self.opds.find({}).sort("code", ASCENDING).limit(limit)]

    async def add_key(self, opd: Document, key_id: str, key_hash: str) -> None:
        await self.keys.insert_one({
            "_id": key_id, "opd_id": opd["_id"], "key_hash": key_hash,
            "opd": opd_ref(opd).model_dump(mode="json"),
            "created_at": utcnow(), "revoked_at": None, "last_used_at": None,
        })

    async def find_key(self, key_id: str) -> KeyRecord | None:
        doc = await self.keys.find_one({"_id": key_id})
        return _key_from(doc) if doc else None

    async def keys_of(self, opd_id: str) -> list[KeyRecord]:
        cursor = self.keys.find({"opd_id": opd_id}).sort("created_at", ASCENDING)
        return [_key_from(doc) async for doc in cursor]

    async def revoke_key(self, opd_id: str, key_id: str) -> bool:
        result = await update_one(self.keys,
            {"_id": key_id, "opd_id": opd_id, "revoked_at": None},
            {"$set": {"revoked_at": utcnow()}})
        return result.modified_count == 1

    async def touch_key(self, key_id: str, at: datetime) -> None:
        await update_one(self.keys, {"_id": key_id}, {"$set": {"last_used_at": at}})


def opd_ref(opd: Document) -> OpdRef:
    return OpdRef(id=opd["_id"], code=opd["code"], name=opd["name"], region=opd["region"],
                  timezone=opd["timezone"])


def _key_from(doc: Document) -> KeyRecord:
    return KeyRecord(
        key_id=doc["_id"], opd_id=doc["opd_id"], key_hash=doc["key_hash"],
        opd=OpdRef.model_validate(doc["opd"]), created_at=doc["created_at"],
        revoked_at=doc.get("revoked_at"), last_used_at=doc.get("last_used_at"),
    )
