"""OPDs and their API keys in ingest's database.

An OPD is one document (`_id` = opd id, unique `code`). Each key is its own document with
`_id` = key id, so the per-request lookup is a find by `_id` (the only fast query on FerretDB v1);
it carries a copy of the OPD's identity (`opd`) so authenticating is one read. Only the HMAC of
the secret is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.envelope import Envelope, new_id, utcnow
from shared.events.common import OpdRef
from shared.mongo import ASCENDING, Database, Document, DuplicateKeyError, IndexModel, update_one
from shared.outbox import OUTBOX_FIELD, outbox_field, outbox_push

ACTIVE_KEYS_LIMIT = 2  # two active keys during a change-over, never more
_HIDDEN = {OUTBOX_FIELD: 0}
EventOf = Callable[[Document], Envelope]  # the OPD's event, from its state after the change


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
        self.users = db["opd_users"]  # opd_user_repository; here only to follow OPD changes

    async def ensure_indexes(self) -> None:
        await self.opds.create_indexes([IndexModel([("code", ASCENDING)], unique=True)])

    async def create(self, opd: dict[str, Any], event_of: EventOf) -> Document:
        """Insert an OPD (`code`, `name`, `region`, `timezone`, contact, `monthly_target`)
        with its `opd.registered` event in the same insert (embedded outbox)."""
        document = {"_id": new_id(), **opd, "opd_version": 1, "created_at": utcnow()}
        try:
            await self.opds.insert_one({**document,
                                        OUTBOX_FIELD: outbox_field([event_of(document)])})
        except DuplicateKeyError as exc:
            raise OpdExists(opd["code"]) from exc
        return document

    async def change(self, opd: Document, fields: dict[str, Any], event_of: EventOf) -> bool:
        """One conditional update (on `opd_version`) with its `opd.changed` event; the keys'
        copy of the OPD's identity follows (a repeat of the same copy is harmless)."""
        after = {**opd, **fields, "opd_version": opd["opd_version"] + 1}
        result = await update_one(
            self.opds, {"_id": opd["_id"], "opd_version": opd["opd_version"]},
            {"$set": {**fields, "updated_at": utcnow()}, "$inc": {"opd_version": 1},
             "$push": outbox_push([event_of(after)])})
        if result.modified_count != 1:
            return False
        copy = {"$set": {"opd": opd_ref(after).model_dump(mode="json")}}
        await self.keys.update_many({"opd_id": opd["_id"]}, copy)
        await self.users.update_many({"opd_id": opd["_id"]}, copy)  # OPD user accounts' copy
        return True

    async def announce_unversioned(self, event_of: EventOf) -> int:
        """OPDs registered before OPD events existed get their `opd.registered` now (once:
        the update is conditional on there being no `opd_version` yet)."""
        announced = 0
        async for opd in self.opds.find({"opd_version": {"$exists": False}}, _HIDDEN):
            after = {**opd, "opd_version": 1}
            result = await update_one(
                self.opds, {"_id": opd["_id"], "opd_version": {"$exists": False}},
                {"$set": {"opd_version": 1}, "$push": outbox_push([event_of(after)])})
            announced += result.modified_count
        return announced

    async def get(self, opd_id: str) -> Document | None:
        return await self.opds.find_one({"_id": opd_id}, _HIDDEN)

    async def by_code(self, code: str) -> Document | None:
        return await self.opds.find_one({"code": code}, _HIDDEN)

    async def all_opds(self, limit: int = 500) -> list[Document]:
        found = self.opds.find({}, _HIDDEN).sort("code", ASCENDING).limit(limit)
        return [doc async for doc in found]

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
