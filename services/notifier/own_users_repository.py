"""Messages to Warta's own users (one record per event and recipient), and OPD contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.notifier.domain import URGENT, DeliveryState
from shared.envelope import utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    insert_new,
    update_one,
)

PENDING, SENDING = DeliveryState.PENDING.value, DeliveryState.SENDING.value
RETRYABLE = [DeliveryState.PENDING.value, DeliveryState.FAILED.value]


def new_message(message_id: str, kind: str, *, to_email: str | None, to_name: str | None,
                context: dict[str, Any], opd_id: str | None = None,
                due: datetime | None = None, to_phone: str | None = None) -> Document:
    """A message in the top priority class: nothing of Warta's own waits behind a fan-out.
    `to_email` None: the OPD's contact, resolved when it is sent (the OPD may be known later);
    `to_phone`: a WhatsApp copy goes too (own_users_whatsapp), as for an OPD contact's phone."""
    now = utcnow()
    return {"_id": message_id, "kind": kind, "to_email": to_email, "to_name": to_name,
            "to_phone": to_phone,
            "opd_id": opd_id, "context": context, "priority": URGENT, "state": PENDING,
            "attempts": 0, "next_attempt_at": due or now, "lease_owner": None,
            "lease_until": None, "created_at": now, "sent_at": None, "error": None}


class OwnMessages:
    def __init__(self, db: Database) -> None:
        self.collection = db["own_messages"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("state", ASCENDING), ("priority", ASCENDING),
                        ("next_attempt_at", ASCENDING)]),
            IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)]),
            IndexModel([("provider_id", ASCENDING)], sparse=True)])  # WhatsApp statuses

    async def create_many(self, documents: list[Document]) -> int:
        """A redelivered event finds its records there already: nothing is created twice."""
        return await insert_new(self.collection, documents)

    async def gather_link(self, document: Document, link: Document) -> None:
        """One "published" message per article: each channel's publication adds its link
        while the message waits out its gathering window."""
        fields = {k: v for k, v in document.items() if k != "context"}
        fields |= {f"context.{k}": v for k, v in document["context"].items() if k != "links"}
        update = {"$setOnInsert": fields, "$addToSet": {"context.links": link}}
        try:
            await update_one(self.collection, {"_id": document["_id"]}, update, upsert=True)
        except DuplicateKeyError:  # a concurrent first insert won: add to it
            await update_one(self.collection, {"_id": document["_id"]},
                             {"$addToSet": {"context.links": link}})

    async def claim(self, owner: str, now: datetime, lease_until: datetime) -> Document | None:
        """The most urgent due record -> sending, leased to `owner` (one conditional update)."""
        return await find_one_and_update(
            self.collection,
            {"$or": [{"state": {"$in": RETRYABLE}, "next_attempt_at": {"$lte": now}},
                     {"state": SENDING, "lease_until": {"$lt": now}}]},
            {"$set": {"state": SENDING, "lease_owner": owner, "lease_until": lease_until}},
            sort=[("priority", ASCENDING), ("next_attempt_at", ASCENDING)],
            return_document=ReturnDocument.AFTER)

    async def settle(self, message_id: str, owner: str, fields: Document) -> bool:
        result = await update_one(
            self.collection, {"_id": message_id, "state": SENDING, "lease_owner": owner},
            {"$set": {**fields, "lease_owner": None, "lease_until": None},
             "$inc": {"attempts": 1}})
        return result.modified_count == 1


class OpdContacts:
    """The newest known contact of each OPD, from ingest's OPD stream (ordered by version)."""

    def __init__(self, db: Database) -> None:
        self.collection = db["opd_contacts"]

    async def record(self, opd_id: str, version: int, fields: Document) -> None:
        try:
            await update_one(self.collection,
                             {"_id": opd_id, "opd_version": {"$lt": version}},
                             {"$set": {**fields, "opd_version": version}}, upsert=True)
        except DuplicateKeyError:
            return  # this version or a newer one is stored already

    async def get(self, opd_id: str) -> Document | None:
        return await self.collection.find_one({"_id": opd_id})


async def chief_editors(db: Database) -> list[Document]:
    """Active chief editors and admins with an email, from the accounts projection."""
    cursor = db["accounts"].find({"role": {"$in": ["chief_editor", "admin"]}, "active": True,
                                  "email": {"$nin": [None, ""]}},
                                 {"name": 1, "email": 1, "phone": 1})
    return [doc async for doc in cursor]
