"""Suppressions, sign-up rate windows and used challenges, in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.envelope import utcnow
from shared.mongo import (
    ASCENDING,
    Database,
    DuplicateKeyError,
    IndexModel,
    ReturnDocument,
    find_one_and_update,
    update_one,
)

RATE_WINDOW = timedelta(hours=1)


class ConsentRepository:
    def __init__(self, db: Database) -> None:
        self.suppressions = db["suppressions"]
        self.windows = db["signup_windows"]
        self.challenges = db["signup_challenges"]

    async def ensure_indexes(self) -> None:
        for ttl in (self.windows, self.challenges):
            await ttl.create_indexes([IndexModel([("expires_at", ASCENDING)],
                                                 expireAfterSeconds=0)])

    # ---- suppressions: the hash of an address that must not be contacted ----------------------

    async def suppress(self, digest: str, channel: str, reason: str) -> None:
        await update_one(self.suppressions, {"_id": digest},
                         {"$setOnInsert": {"channel": channel, "reason": reason,
                                           "at": utcnow()}}, upsert=True)

    async def suppressed(self, digest: str) -> bool:
        return await self.suppressions.find_one({"_id": digest}, {"_id": 1}) is not None

    async def lift(self, digest: str) -> None:
        """The person confirmed a new sign-up themselves: their own act lifts it."""
        await self.suppressions.delete_one({"_id": digest})

    # ---- abuse: a fixed one-hour window per key, counted by one atomic upsert -----------------

    async def count(self, key: str, now: datetime) -> int:
        """This request's number in the key's current window, shared by every instance."""
        start = int(now.timestamp() // RATE_WINDOW.total_seconds())
        window_id = f"{key}:{start}"
        update = {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": now + 2 * RATE_WINDOW}}
        for _ in range(3):
            try:
                doc = await find_one_and_update(self.windows, {"_id": window_id}, update,
                                                upsert=True,
                                                return_document=ReturnDocument.AFTER)
            except DuplicateKeyError:
                continue  # two first requests at once: the other inserted, $inc again
            if doc is not None:
                return int(doc["n"])
        return 1 << 30

    @staticmethod
    def retry_after(now: datetime) -> int:
        seconds = RATE_WINDOW.total_seconds()
        return max(1, int(seconds - now.timestamp() % seconds))

    async def use_challenge(self, nonce: str, expires_at: datetime) -> bool:
        """False when this answered challenge was used before (one sign-up per challenge)."""
        try:
            await self.challenges.insert_one({"_id": nonce, "expires_at": expires_at})
        except DuplicateKeyError:
            return False
        return True
