"""Use cases of OPD administration (the admin API): create, list, issue/rotate/revoke keys.

They raise the domain's `OpdRefused` errors; the HTTP edge (api.py) maps them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.ingest.domain import TIMEZONES, OpdConflict, OpdInvalid, OpdNotFound
from services.ingest.opd_repository import ACTIVE_KEYS_LIMIT, KeyRecord, OpdExists, OpdRepository
from shared.auth import new_api_key
from shared.mongo import Document


class OpdAdmin:
    def __init__(self, opds: OpdRepository,
                 on_revoke: Callable[[str], None] = lambda _key_id: None) -> None:
        self.opds = opds
        self._on_revoke = on_revoke  # e.g. drop the key from this process's cache at once

    async def create(self, *, code: str, name: str, region: str, timezone: str,
                     email: str | None = None, phone: str | None = None
                     ) -> tuple[Document, str, str]:
        """Returns (OPD, key id, the full key — shown once, never stored)."""
        if timezone not in TIMEZONES:
            raise OpdInvalid(f"timezone must be one of {', '.join(TIMEZONES)}.")
        fields: dict[str, Any] = {"code": code, "name": name, "region": region,
                                  "timezone": TIMEZONES[timezone], "email": email, "phone": phone}
        try:
            opd = await self.opds.create(fields)
        except OpdExists as exc:
            raise OpdConflict(f"An OPD with code {code!r} already exists.", "opd_exists") from exc
        key_id, api_key = await self._issue(opd)
        return opd, key_id, api_key

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
