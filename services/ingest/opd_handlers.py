"""Use cases of OPD administration (the admin API): create, list, issue/rotate/revoke keys.

They raise the domain's `OpdRefused` errors; the HTTP edge (api.py) maps them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.ingest.domain import TIMEZONES, OpdConflict, OpdInvalid, OpdNotFound
from services.ingest.opd_repository import ACTIVE_KEYS_LIMIT, KeyRecord, OpdExists, OpdRepository
from shared.auth import new_api_key
from shared.envelope import Envelope, root_event, utcnow
from shared.events.opds import (
    DEFAULT_MONTHLY_TARGET,
    OPD_CHANGED,
    OPD_REGISTERED,
    OpdChangedV1,
    OpdRegisteredV1,
)
from shared.mongo import Document


class OpdAdmin:
    def __init__(self, opds: OpdRepository,
                 on_revoke: Callable[[str], None] = lambda _key_id: None,
                 announce: Callable[[str], Awaitable[int]] | None = None) -> None:
        self.opds = opds
        self._on_revoke = on_revoke  # e.g. drop the key from this process's cache at once
        # Relays the OPD's event now; what it misses, the outbox sweep relays.
        self._announce = announce or _later

    async def create(self, *, code: str, name: str, region: str, timezone: str,
                     email: str | None = None, phone: str | None = None,
                     contact_name: str | None = None,
                     monthly_target: int = DEFAULT_MONTHLY_TARGET) -> tuple[Document, str, str]:
        """Returns (OPD, key id, the full key — shown once, never stored)."""
        fields: dict[str, Any] = {"code": code, "name": name, "region": region,
                                  "timezone": _zone(timezone), "email": email, "phone": phone,
                                  "contact_name": contact_name, "monthly_target": monthly_target}
        try:
            opd = await self.opds.create(fields, lambda doc: opd_event(OPD_REGISTERED, doc))
        except OpdExists as exc:
            raise OpdConflict(f"An OPD with code {code!r} already exists.", "opd_exists") from exc
        await self._announce(opd["_id"])
        key_id, api_key = await self._issue(opd)
        return opd, key_id, api_key

    async def change(self, code: str, changes: dict[str, Any]) -> Document:
        """Change an OPD's name, region, zone, contact or monthly target (`opd.changed`)."""
        if "timezone" in changes:
            changes = {**changes, "timezone": _zone(changes["timezone"])}
        for _ in range(3):
            opd = await self.find(code)
            if await self.opds.change(opd, changes, lambda doc: opd_event(OPD_CHANGED, doc)):
                await self._announce(opd["_id"])
                return await self.find(code)
        raise OpdConflict(f"{code} changed while this request ran; retry it.", "conflict")

    async def rotate(self, code: str) -> tuple[str, str]:
        """A second active key for the change-over; the old one keeps working until revoked."""
        opd = await self.find(code)
        active = [k for k in await self.opds.keys_of(opd["_id"]) if k.active]
        if len(active) >= ACTIVE_KEYS_LIMIT:
            raise OpdConflict(f"{code} already has {len(active)} active keys; revoke one first "
                              f"({', '.join(k.key_id for k in active)}).", "too_many_keys")
        return await self._issue(opd)

    async def revoke(self, code: str, key_id: str) -> None:
        opd = await self.find(code)
        if not await self.opds.revoke_key(opd["_id"], key_id):
            raise OpdNotFound(f"{code} has no active key {key_id!r}.")
        self._on_revoke(key_id)

    async def keys(self, code: str) -> list[KeyRecord]:
        return await self.opds.keys_of((await self.find(code))["_id"])

    async def all_opds(self) -> list[Document]:
        return await self.opds.all_opds()

    async def find(self, code: str) -> Document:
        opd = await self.opds.by_code(code)
        if opd is None:
            raise OpdNotFound(f"No OPD with code {code!r}.")
        return opd

    async def _issue(self, opd: Document) -> tuple[str, str]:
        key_id, api_key, key_hash = new_api_key()
        await self.opds.add_key(opd, key_id, key_hash)
        return key_id, api_key


def opd_event(type_: str, opd: Document) -> Envelope:
    """The OPD's whole state after the change, keyed by its id."""
    model = OpdRegisteredV1 if type_ == OPD_REGISTERED else OpdChangedV1
    data = model(opd_id=opd["_id"], code=opd["code"], name=opd["name"], region=opd["region"],
                 timezone=opd["timezone"], contact_name=opd.get("contact_name"),
                 contact_email=opd.get("email"), contact_phone=opd.get("phone"),
                 monthly_target=opd.get("monthly_target", DEFAULT_MONTHLY_TARGET),
                 opd_version=opd["opd_version"], changed_at=utcnow())
    return root_event(type=type_, version=1, source="ingest", subject=opd["_id"], data=data)


def _zone(timezone: str) -> str:
    if timezone not in TIMEZONES:
        raise OpdInvalid(f"timezone must be one of {', '.join(TIMEZONES)}.")
    return TIMEZONES[timezone]


async def _later(_: str) -> int:
    return 0


async def announce_unversioned(opds: OpdRepository) -> None:
    """At start-up: OPDs from before OPD events get their `opd.registered`."""
    await opds.announce_unversioned(lambda doc: opd_event(OPD_REGISTERED, doc))
