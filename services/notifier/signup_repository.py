"""The sign-up side of a journalist's document: pending entries, confirmations, erasure.

A pending entry carries `pending_expires_at` (a TTL index deletes it once past) and, per channel
to confirm, `confirm.<channel>` = {state: due|sending|sent, next_at, lease_until, attempts}.
Every step is one conditional single-document update, so any number of replicas agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.envelope import utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    update_one,
)

PENDING = "pending"
ACTIVE = "active"
CONFIRMABLE = ("email", "whatsapp")


class SignupRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["journalists"]
        self.deliveries = db["deliveries"]
        self.db = db  # the form offers the regions of the OPDs known here

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("pending_expires_at", ASCENDING)], expireAfterSeconds=0),
        ])

    async def by_email(self, email: str) -> Document | None:
        return await self.collection.find_one({"email": email})

    async def get(self, journalist_id: str) -> Document | None:
        return await self.collection.find_one({"_id": journalist_id})

    async def resend_pending(self, journalist_id: str, now: datetime) -> bool:
        """A second sign-up of a still-pending address: its confirmation email once more, same
        link, same details (unless that email is being sent right now)."""
        result = await update_one(self.collection,
            {"_id": journalist_id, "status": PENDING, "confirm.email.state": {"$ne": "sending"}},
            {"$set": {"confirm.email": {"state": "due", "next_at": now, "attempts": 0}}})
        return result.modified_count == 1

    # ---- sending confirmations -----------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        query = {"$or": [{f"confirm.{c}.state": {"$in": ["due", "sending"]}}
                         for c in CONFIRMABLE]}
        cursor = self.collection.find(query, {"_id": 1, "confirm": 1}).limit(limit)
        found: list[tuple[str, str]] = []
        async for doc in cursor:
            found += [(doc["_id"], channel) for channel, step in (doc.get("confirm") or {}).items()
                      if _claimable(step, now)]
        return found

    async def claim(self, journalist_id: str, channel: str, now: datetime,
                    lease_until: datetime, extra: dict[str, Any]) -> Document | None:
        step = f"confirm.{channel}"
        return await find_one_and_update(self.collection,
            {"_id": journalist_id, "$or": [
                {f"{step}.state": "due", f"{step}.next_at": {"$lte": now}},
                {f"{step}.state": "sending", f"{step}.lease_until": {"$lt": now}}]},
            {"$set": {f"{step}.state": "sending", f"{step}.lease_until": lease_until, **extra}},
            return_document=ReturnDocument.AFTER)

    async def settle(self, journalist_id: str, channel: str, fields: dict[str, Any]) -> None:
        step = f"confirm.{channel}"
        await update_one(self.collection,
            {"_id": journalist_id, f"{step}.state": "sending"},
            {"$set": {**{f"{step}.{k}": v for k, v in fields.items()},
                      f"{step}.lease_until": None},
             "$inc": {f"{step}.attempts": 1}})

    # ---- confirming ----------------------------------------------------------------------------

    async def confirm_email(self, journalist_id: str, nonce: str, consent: dict[str, Any]
                            ) -> Document | None:
        """The link's nonce is spent in the same update: a link confirms once."""
        now = utcnow()
        return await find_one_and_update(self.collection,
            {"_id": journalist_id, "confirm_nonce": nonce},
            {"$set": {"status": ACTIVE, "active": True, "email_confirmed_at": now,
                      "consents.email": consent, "updated_at": now},
             "$unset": {"confirm_nonce": "", "pending_expires_at": ""}},
            return_document=ReturnDocument.AFTER)

    async def count_code_attempt(self, journalist_id: str, limit: int) -> Document | None:
        """One more guess at the WhatsApp code, refused past `limit` guesses."""
        return await find_one_and_update(self.collection,
            {"_id": journalist_id, "whatsapp_code.attempts": {"$lt": limit}},
            {"$inc": {"whatsapp_code.attempts": 1}}, return_document=ReturnDocument.AFTER)

    async def confirm_whatsapp(self, journalist_id: str, digest: str, now: datetime,
                               consent: dict[str, Any]) -> Document | None:
        return await find_one_and_update(self.collection,
            {"_id": journalist_id, "whatsapp_code.hash": digest,
             "whatsapp_code.expires_at": {"$gt": now}},
            {"$set": {"whatsapp_confirmed_at": now, "consents.whatsapp": consent,
                      "updated_at": now},
             "$unset": {"whatsapp_code": ""}}, return_document=ReturnDocument.AFTER)

    async def ask_to_confirm(self, journalist_id: str, nonce: str, now: datetime) -> bool:
        """A journalist from before consent records: asked once, still active meanwhile."""
        result = await update_one(self.collection,
            {"_id": journalist_id, "reconfirm_asked_at": {"$exists": False},
             "consents.email": {"$exists": False}},
            {"$set": {"reconfirm_asked_at": now, "confirm_nonce": nonce,
                      "confirm.email": {"state": "due", "next_at": now, "attempts": 0}}})
        return result.modified_count == 1

    async def without_consent(self, after: str | None, limit: int) -> list[str]:
        query: dict[str, Any] = {"consents.email": {"$exists": False},
                                 "reconfirm_asked_at": {"$exists": False},
                                 "status": {"$ne": PENDING}}
        if after:
            query["_id"] = {"$gt": after}
        cursor = self.collection.find(query, {"_id": 1}).sort("_id", ASCENDING).limit(limit)
        return [doc["_id"] async for doc in cursor]

    # ---- export and erasure ----------------------------------------------------------------------

    async def deliveries_of(self, journalist_id: str) -> list[Document]:
        cursor = self.deliveries.find({"journalist_id": journalist_id},
                                      {"outbox": 0, "lease_owner": 0}).sort("_id", ASCENDING)
        return [doc async for doc in cursor.limit(10_000)]

    async def erase(self, journalist_id: str) -> None:
        """Deliveries keep their counts for the article's log, without the person in them."""
        await self.deliveries.update_many({"journalist_id": journalist_id},
            {"$set": {"recipient": "(dihapus)", "recipient_name": "(dihapus)"}})
        await self.collection.delete_one({"_id": journalist_id})


def _claimable(step: dict[str, Any], now: datetime) -> bool:
    state = step.get("state")
    if state == "due":
        return bool(step.get("next_at") and step["next_at"] <= now)
    return state == "sending" and bool(step.get("lease_until") and step["lease_until"] < now)
