"""Channel documents: sealed credentials, on/off, health; the health-check lease.

One document per channel, `_id` = its name: `enabled`, `sealed` (Fernet token of the
credentials, never in clear), `fields` (names set, for display), `version` (bumped on every
change of credentials, so a check of old credentials cannot record its result over new ones),
`health`, `reason`, `account`, `checked_at`, and an outbox for `channel.health_changed`.
Shared by every replica: the queue pauses a channel by its `health` here, not in memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.publisher.domain import Health
from shared.envelope import Envelope
from shared.idempotency import insert_once
from shared.mongo import (
    Database,
    Document,
    DuplicateKeyError,
    ReturnDocument,
    find_one_and_update,
    update_one,
)
from shared.outbox import OUTBOX_FIELD, outbox_push

_HIDDEN = {OUTBOX_FIELD: 0, "sealed": 0}


class ChannelRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["channels"]
        self.leases = db["leases"]

    async def get(self, channel: str) -> Document | None:
        """Without the sealed credentials: for display."""
        return await self.collection.find_one({"_id": channel}, _HIDDEN)

    async def sealed(self, channel: str) -> Document | None:
        """With the sealed credentials: for building the adapter."""
        return await self.collection.find_one({"_id": channel}, {OUTBOX_FIELD: 0})

    async def all(self) -> list[Document]:
        return [doc async for doc in self.collection.find({}, _HIDDEN).sort("_id", 1)]

    async def paused(self) -> list[str]:
        cursor = self.collection.find({"enabled": True, "health": Health.NEEDS_RECONNECT.value},
                                      {"_id": 1})
        return [str(doc["_id"]) async for doc in cursor]

    async def seed(self, channel: str, sealed: str, fields: list[str], now: datetime) -> bool:
        """First start only: an admin's later change (or turning it off) is never overwritten
        by the environment. False if the channel already has a document."""
        return await insert_once(self.collection, {
            "_id": channel, "enabled": True, "sealed": sealed, "fields": fields, "version": 1,
            "health": Health.UNKNOWN.value, "reason": None, "account": None,
            "checked_at": None, "created_at": now, "updated_at": now, "source": "environment",
            OUTBOX_FIELD: []})

    async def put(self, channel: str, sealed: str, fields: list[str], now: datetime,
                  source: str) -> Document:
        """Set (or replace) the credentials and turn the channel on; health waits for a check."""
        doc = await find_one_and_update(
            self.collection, {"_id": channel},
            {"$set": {"enabled": True, "sealed": sealed, "fields": fields, "updated_at": now,
                      "source": source},
             "$inc": {"version": 1},
             "$setOnInsert": {"health": Health.UNKNOWN.value, "reason": None,
                              "account": None, "checked_at": None, "created_at": now,
                              OUTBOX_FIELD: []}},
            upsert=True, projection=_HIDDEN, return_document=ReturnDocument.AFTER)
        assert doc is not None
        return doc

    async def rotate(self, channel: str, version: int, sealed: str, now: datetime) -> bool:
        """A rotated token from the adapter, over the credentials it was built from only."""
        result = await update_one(self.collection,
            {"_id": channel, "version": version, "enabled": True},
            {"$set": {"sealed": sealed, "updated_at": now, "rotated_at": now},
             "$inc": {"version": 1}})
        return result.modified_count == 1

    async def turn_off(self, channel: str, now: datetime, event: Envelope | None) -> bool:
        """Off, and the secrets erased (not merely hidden)."""
        update: Document = {
            "$set": {"enabled": False, "updated_at": now, "health": Health.OFF.value,
                     "reason": None, "fields": []},
            "$unset": {"sealed": ""}, "$inc": {"version": 1}}
        if event is not None:  # told once: only the update that turns it off carries it
            told = await update_one(self.collection, {"_id": channel, "enabled": True},
                                    {**update, "$push": outbox_push([event])})
            if told.matched_count == 1:
                return True
        result = await update_one(self.collection, {"_id": channel}, update)
        return result.matched_count == 1

    async def record_health(self, channel: str, version: int, *, health: Health,
                            reason: str | None, account: str | None, now: datetime,
                            event: Envelope) -> bool | None:
        """True: the health changed (and `event` is in the outbox); False: unchanged; None: the
        credentials changed since the check began, so its result is dropped."""
        fields: Document = {"health": health.value, "reason": reason, "checked_at": now}
        if account is not None:
            fields["account"] = account
        base = {"_id": channel, "version": version, "enabled": True}
        changed = await update_one(self.collection,
            {**base, "health": {"$ne": health.value}},
            {"$set": fields, "$push": outbox_push([event])})
        if changed.modified_count == 1:
            return True
        same = await update_one(self.collection, base, {"$set": fields})
        return False if same.matched_count == 1 else None

    async def take_lease(self, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """A named lease in the database (one replica runs the periodic health check)."""
        try:  # matched (expired or ours) -> taken; no match -> the upsert's insert collides
            await find_one_and_update(self.leases,
                {"_id": name, "$or": [{"until": {"$lte": now}}, {"owner": owner}]},
                {"$set": {"owner": owner, "until": now + ttl}}, upsert=True)
        except DuplicateKeyError:  # held by another replica
            return False
        return True
