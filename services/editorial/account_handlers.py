"""Use cases of account administration: create, disable, enable, and the first admin.

Each change writes the account's whole new state as an event (the account stream), so every
service's projection follows: a disabled account's tokens are refused everywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.editorial.account_repository import AccountRepository
from shared.auth import ROLES, hash_password
from shared.envelope import Envelope, root_event, utcnow
from shared.events import accounts as ev
from shared.failures import TRANSIENT
from shared.mongo import Document

SOURCE = "editorial"
BOOTSTRAP = "bootstrap"
MIN_PASSWORD = 12

log = logging.getLogger("warta.editorial.accounts")


class AccountExists(Exception):
    pass


class AccountNotFound(Exception):
    pass


class AccountConflict(Exception):
    """The account changed meanwhile, or the change would lock the admin out."""


class AdminExists(Exception):
    """Bootstrap refused: an admin account exists already."""


@dataclass(frozen=True)
class NewAccount:
    username: str
    name: str
    email: str
    role: str
    password: str
    phone: str | None = None  # E.164: the notifier's WhatsApp alerts


def account_event(event_type: str, doc: Document, version: int, by: str) -> Envelope:
    data = {ev.ACCOUNT_CREATED: ev.AccountCreatedV1, ev.ACCOUNT_UPDATED: ev.AccountUpdatedV1,
            ev.ACCOUNT_DISABLED: ev.AccountDisabledV1}[event_type](
        username=doc["_id"], name=doc.get("name", ""), email=doc.get("email", ""),
        role=doc["role"], active=bool(doc.get("active")), phone=doc.get("phone") or None,
        account_version=version,
        changed_at=utcnow(), changed_by=by)
    return root_event(type=event_type, version=1, source=SOURCE, subject=doc["_id"], data=data,
                      correlation_id=f"account:{doc['_id']}")


@dataclass
class Accounts:
    repository: AccountRepository
    relay: Callable[[str], Awaitable[int]]

    async def create(self, new: NewAccount, by: str) -> Document:
        if new.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        password_hash = await asyncio.to_thread(hash_password, new.password)  # argon2: CPU-bound
        now = utcnow()
        doc: Document = {
            "_id": new.username, "name": new.name, "email": new.email, "role": new.role,
            **({"phone": new.phone} if new.phone else {}),
            "active": True, "version": 1, "created_at": now, "updated_at": now,
            "history": [{"action": "create", "by": by, "at": now, "role": new.role}],
            "password_hash": password_hash,
        }
        if not await self.repository.add(doc, account_event(ev.ACCOUNT_CREATED, doc, 1, by)):
            raise AccountExists(new.username)
        log.info("account created", extra={"account": new.username, "by": by, "role": new.role})
        await self._relay(new.username)
        return await self.get(new.username)

    async def disable(self, username: str, by: str, reason: str) -> Document:
        if username == by:
            raise AccountConflict("An admin cannot disable their own account.")
        return await self._set_active(username, False, by, reason)

    async def enable(self, username: str, by: str) -> Document:
        return await self._set_active(username, True, by, None)

    async def update(self, username: str, changes: dict[str, str], by: str) -> Document:
        """Name, email or role; an admin cannot change their own role (no lock-out)."""
        doc = await self.get(username)
        if "role" in changes and username == by and changes["role"] != doc["role"]:
            raise AccountConflict("An admin cannot change their own role.")
        changes = {k: v for k, v in changes.items() if doc.get(k) != v}
        if not changes:
            return doc
        version = int(doc.get("version", 0))
        event = account_event(ev.ACCOUNT_UPDATED, {**doc, **changes}, version + 1, by)
        history = {"action": "update", "by": by, "reason": ", ".join(sorted(changes)),
                   **({"role": changes["role"]} if "role" in changes else {})}
        if not await self.repository.change(username, version, changes, history, event):
            raise AccountConflict("The account changed meanwhile; reload and try again.")
        log.info("account updated", extra={"account": username, "by": by,
                                            "fields": sorted(changes)})
        await self._relay(username)
        return await self.get(username)

    async def get(self, username: str) -> Document:
        doc = await self.repository.get(username)
        if doc is None:
            raise AccountNotFound(username)
        return doc

    async def page(self, limit: int, after: str | None) -> list[Document]:
        return await self.repository.page(limit=limit, after=after)

    async def _set_active(self, username: str, active: bool, by: str, reason: str | None
                          ) -> Document:
        doc = await self.get(username)
        if bool(doc.get("active")) == active:
            return doc  # already so: nothing to audit, nothing to tell
        version = int(doc.get("version", 0))
        changed = {**doc, "active": active}
        event = account_event(ev.ACCOUNT_UPDATED if active else ev.ACCOUNT_DISABLED, changed,
                              version + 1, by)
        history = {"action": "enable" if active else "disable", "by": by, "reason": reason}
        if not await self.repository.change(username, version, {"active": active}, history,
                                            event):
            raise AccountConflict("The account changed meanwhile; reload and try again.")
        log.info("account enabled" if active else "account disabled",
                 extra={"account": username, "by": by})
        await self._relay(username)
        return await self.get(username)

    async def _relay(self, username: str) -> None:
        try:
            await self.relay(username)
        except TRANSIENT as exc:  # saved with its event; the outbox sweep publishes it later
            log.warning("account event relay deferred", extra={"error": repr(exc)})


async def bootstrap_admin(repository: AccountRepository, new: NewAccount) -> Document:
    """The first admin, written directly by `warta admin create`; refused once any admin exists.

    The username is the document `_id`, so two racing bootstraps cannot both insert the same
    account; the check before it keeps a second, differently named admin out."""
    if await repository.any_admin():
        raise AdminExists
    accounts = Accounts(repository, relay=_no_relay)
    return await accounts.create(NewAccount(new.username, new.name, new.email, "admin",
                                            new.password), BOOTSTRAP)


async def _no_relay(_: str) -> int:
    return 0  # the caller relays (or editorial's outbox sweep does)
