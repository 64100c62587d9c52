"""Chief editors' and admins' TOTP secrets, sealed with Fernet in editorial's database.

A secret is pending from its enrolment until its first valid code confirms it; `last_step`
makes each time step's code good for one sign-in only (a conditional update, so two replicas
given the same code at once accept it once).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from shared.mongo import (
    Database,
    Document,
    DuplicateKeyError,
    ReturnDocument,
    find_one_and_update,
)
from shared.settings import DEV_TOTP_KEY, Settings


class TotpKeyRefused(ValueError):
    """Outside local development the published key is refused: set a private one."""


class AlreadyConfirmed(Exception):
    """The account's secret is confirmed: it is shown again only after an admin's reset."""


class Unreadable(Exception):
    """Sealed with a key no longer configured: an admin must reset the second factor."""


def totp_sealer(settings: Settings) -> MultiFernet:
    raw = settings.editorial_totp_key.get_secret_value()
    if raw == DEV_TOTP_KEY and not settings.local_development():
        raise TotpKeyRefused(
            "WARTA_EDITORIAL_TOTP_KEY must be set to a private Fernet key (`python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`): its "
            "default works only with WARTA_ENV=development on a loopback WARTA_BIND_HOST")
    try:
        return MultiFernet([Fernet(key.strip()) for key in raw.split(",") if key.strip()])
    except ValueError as exc:  # never echo the key itself
        raise TotpKeyRefused("WARTA_EDITORIAL_TOTP_KEY holds a value that is not a Fernet key "
                             "(32 url-safe base64-encoded bytes)") from exc


class TotpRepository:
    def __init__(self, db: Database, fernet: MultiFernet) -> None:
        self.collection = db["totp_secrets"]
        self.fernet = fernet

    async def enrolled(self, username: str) -> bool:
        """True once a code has confirmed the account's secret."""
        doc = await self.collection.find_one({"_id": username}, {"confirmed": 1})
        return bool(doc and doc.get("confirmed"))

    async def pending(self, username: str, fresh: str, now: datetime) -> str:
        """The pending secret in clear: `fresh`, or the one a first call stored (a second tab
        shows the same key). Raises AlreadyConfirmed once a code has confirmed it."""
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one({
                "_id": username, "sealed": self._seal(fresh), "confirmed": False,
                "created_at": now})
        doc = await self.collection.find_one({"_id": username})
        if doc is None:  # reset between the two calls: enrol from the start
            return await self.pending(username, fresh, now)
        if doc.get("confirmed"):
            raise AlreadyConfirmed
        return self._unseal(doc)

    async def secret(self, username: str) -> str | None:
        doc = await self.collection.find_one({"_id": username})
        return None if doc is None else self._unseal(doc)

    async def use_step(self, username: str, step: int, now: datetime) -> Document | None:
        """The document as it was before, once per time step; None for a step used already."""
        return await find_one_and_update(self.collection, {
            "_id": username, "$or": [{"last_step": {"$lt": step}},
                                     {"last_step": {"$exists": False}}]},
            {"$set": {"last_step": step, "confirmed": True, "used_at": now}},
            return_document=ReturnDocument.BEFORE)

    async def reset(self, username: str) -> bool:
        """Forget the secret: the next sign-in enrols again."""
        return (await self.collection.delete_one({"_id": username})).deleted_count == 1

    def _seal(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode()).decode()

    def _unseal(self, doc: Document) -> str:
        try:
            return self.fernet.decrypt(str(doc["sealed"]).encode()).decode()
        except InvalidToken as exc:
            raise Unreadable from exc
