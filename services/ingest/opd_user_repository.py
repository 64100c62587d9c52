"""OPD users, their password links and their failed logins in ingest's database.

A user is one document, `_id` = username, so authenticating a request is one find by `_id`; it
carries a copy of its OPD's identity (kept current by `OpdRepository.change`). A password link
is stored only as the SHA-256 of its secret (`_id`), with the notifier's event in its outbox,
used once by one conditional update, and removed by a TTL index after it expires.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from services.ingest.opd_user_domain import OpdUser, ResetPurpose
from shared.envelope import Envelope, utcnow
from shared.events.common import OpdRef
from shared.mongo import (
    ASCENDING,
    Database,
    Document,
    DuplicateKeyError,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    update_one,
)
from shared.outbox import OUTBOX_FIELD, outbox_field

# A used or expired link stays this long for the record, then the TTL monitor deletes it.
KEEP_AFTER_EXPIRY = timedelta(days=1)


class UserExists(Exception):
    """A user with this username already exists."""


class OpdUserRepository:
    def __init__(self, db: Database) -> None:
        self.users = db["opd_users"]
        self.links = db["opd_password_links"]
        self.failures = db["opd_auth_attempts"]

    async def ensure_indexes(self) -> None:
        await self.users.create_indexes([IndexModel([("email", ASCENDING)]),
                                         IndexModel([("opd_id", ASCENDING)])])
        await self.links.create_indexes([IndexModel([("purge_at", ASCENDING)],
                                                    expireAfterSeconds=0)])
        await self.failures.create_indexes([
            IndexModel([("key", ASCENDING), ("at", ASCENDING)]),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)])

    # ---- users ------------------------------------------------------------------------------

    async def create(self, user: OpdUser) -> None:
        try:
            await self.users.insert_one({
                "_id": user.username, "opd_id": user.opd_id,
                "opd": user.opd.model_dump(mode="json"), "name": user.name,
                "email": user.email, "active": True, "password_hash": user.password_hash,
                "password_version": user.password_version, "created_at": user.created_at})
        except DuplicateKeyError as exc:
            raise UserExists(user.username) from exc

    async def get(self, username: str) -> OpdUser | None:
        doc = await self.users.find_one({"_id": username})
        return _user_from(doc) if doc else None

    async def active_by_email(self, email: str) -> list[OpdUser]:
        cursor = self.users.find({"email": email.lower(), "active": True}).limit(10)
        return [_user_from(doc) async for doc in cursor]

    async def of_opd(self, opd_id: str) -> list[OpdUser]:
        cursor = self.users.find({"opd_id": opd_id}).sort("_id", ASCENDING).limit(500)
        return [_user_from(doc) async for doc in cursor]

    async def disable(self, opd_id: str, username: str) -> bool:
        """Disabled at once: the token check reads `active` on every request."""
        result = await update_one(
            self.users, {"_id": username, "opd_id": opd_id},
            {"$set": {"active": False, "disabled_at": utcnow()}, "$inc": {"password_version": 1}})
        return result.matched_count == 1

    async def set_password(self, username: str, password_hash: str, version: int) -> bool:
        """The new hash, and a new password version: tokens issued before it are refused, and
        so are the other links made for `version` (one reset ends every older link)."""
        result = await update_one(
            self.users, {"_id": username, "active": True, "password_version": version},
            {"$set": {"password_hash": password_hash, "password_changed_at": utcnow()},
             "$inc": {"password_version": 1}})
        return result.modified_count == 1

    # ---- password links ---------------------------------------------------------------------

    async def add_link(self, token_hash: str, user: OpdUser, purpose: ResetPurpose,
                       expires_at: datetime, event: Envelope) -> None:
        """The link's record and the notifier's event, in one insert (embedded outbox)."""
        await self.links.insert_one({
            "_id": token_hash, "username": user.username, "purpose": purpose.value,
            "password_version": user.password_version,
            "created_at": utcnow(), "expires_at": expires_at, "used_at": None,
            "purge_at": expires_at + KEEP_AFTER_EXPIRY,
            OUTBOX_FIELD: outbox_field([event])})

    async def use_link(self, token_hash: str, now: datetime) -> tuple[str, int] | None:
        """Marks an unused, unexpired link used; returns its username and the password version
        it was made for (None: not usable). One conditional update, so of two concurrent
        confirmations exactly one wins."""
        doc = await find_one_and_update(
            self.links, {"_id": token_hash, "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}}, projection={"username": 1, "password_version": 1},
            return_document=ReturnDocument.AFTER)
        return (str(doc["username"]), int(doc.get("password_version", 1))) if doc else None

    # ---- attempts: failed logins, reset requests -------------------------------------------

    async def recent_attempts(self, keys: list[str], since: datetime
                              ) -> tuple[int, datetime | None]:
        """The most failures any one of `keys` has since `since`, and that key's oldest one."""
        worst, oldest = 0, None
        for key in keys:
            count = await self.failures.count_documents({"key": key, "at": {"$gt": since}})
            if count > worst:
                first = await self.failures.find_one({"key": key, "at": {"$gt": since}},
                                                     sort=[("at", ASCENDING)])
                worst, oldest = count, first["at"] if first else None
        return worst, oldest

    async def record_attempt(self, keys: list[str], now: datetime, window: timedelta
                             ) -> list[str]:
        records = [{"_id": str(uuid.uuid4()), "key": key, "at": now, "expires_at": now + window}
                   for key in keys]
        await self.failures.insert_many(records)
        return [str(record["_id"]) for record in records]

    async def forgive_attempt(self, ids: list[str]) -> None:
        await self.failures.delete_many({"_id": {"$in": ids}})


def _user_from(doc: Document) -> OpdUser:
    return OpdUser(username=doc["_id"], opd_id=doc["opd_id"],
                   opd=OpdRef.model_validate(doc["opd"]), name=doc["name"], email=doc["email"],
                   active=bool(doc.get("active")), password_hash=doc.get("password_hash"),
                   password_version=int(doc.get("password_version", 1)),
                   created_at=doc["created_at"])


def user_fields(user: OpdUser) -> dict[str, Any]:
    return {"username": user.username, "opd_code": user.opd.code, "name": user.name,
            "email": user.email, "active": user.active, "created_at": user.created_at}
