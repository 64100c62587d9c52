"""Channel credentials use cases: an admin sets, turns off or checks a channel; env seeds it.

Secrets are sealed before they reach the database and never leave it in clear: what is
returned is the channel's state (on/off, health, account, the names of the fields set).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import MultiFernet

from services.publisher import channels
from services.publisher.channel_adapters import validate
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.domain import FEED, KNOWN_CHANNELS, Health
from services.publisher.health_handlers import ChannelHealth, health_changed
from services.publisher.repository import PublicationRepository
from services.publisher.sealing import seal
from shared.envelope import utcnow
from shared.mongo import Document

log = logging.getLogger("warta.publisher.credentials")


class UnknownChannel(LookupError):
    """Not a channel this version knows (or has an adapter for); args[0] is the name."""


@dataclass
class ChannelAdmin:
    repository: ChannelRepository
    publications: PublicationRepository
    health: ChannelHealth
    fernet: MultiFernet
    kick: Callable[[], Awaitable[None]]  # post the due publications now (a channel is back)

    async def set_credentials(self, name: str, fields: dict[str, Any], who: str) -> Document:
        """Validated by the adapter's own Credentials model (pydantic's ValidationError names
        the field), sealed, stored, checked at once; a healthy check resumes the queue."""
        if name == FEED or name not in KNOWN_CHANNELS:
            raise UnknownChannel(name)
        try:
            credentials = validate(name, fields)
        except LookupError as exc:
            raise UnknownChannel(name) from exc
        sealed = seal(self.fernet, credentials)
        await self.repository.put(name, sealed, sorted(fields), utcnow(), source=f"admin:{who}")
        log.info("channel credentials set", extra={"channel": name, "by": who,
                                                   "fields": sorted(fields)})
        return await self.check(name)

    async def turn_off(self, name: str, who: str) -> Document:
        if name == FEED or name not in KNOWN_CHANNELS:
            raise UnknownChannel(name)
        now, doc = utcnow(), await self.repository.get(name) or {}
        # Editors hear of it as of any change of health (editorial, the chief editors' alert).
        event = health_changed(
            name, Health.OFF, previous=str(doc.get("health") or Health.UNKNOWN.value),
            reason=f"dimatikan oleh {who}", account=None, now=now) if doc.get("enabled") else None
        await self.repository.turn_off(name, now, event)
        log.warning("channel turned off", extra={"channel": name, "by": who})
        if event is not None:
            try:
                await self.health.relay(name)
            except Exception as exc:  # the sweep relays it
                log.warning("relay deferred to the outbox sweep", extra={"error": repr(exc)})
        return await self.view(name)

    async def check(self, name: str) -> Document:
        if name == FEED:
            return await self.view(name)
        if name not in KNOWN_CHANNELS:
            raise UnknownChannel(name)
        state = await self.health.check(name)  # ChannelNotConfigured: nothing to check
        if state.get("health") == Health.HEALTHY.value:
            await self.kick()  # its paused posts go out now rather than at the next sweep
        return await self.view(name)

    async def view(self, name: str) -> Document:
        doc = await self.repository.get(name) or {}
        module = channels.adapter_module(name) if name != FEED else None
        enabled = name == FEED or bool(doc.get("enabled"))
        health = Health.HEALTHY.value if name == FEED else str(
            doc.get("health") or Health.UNKNOWN.value)
        waiting = await self.publications.waiting(name) if enabled else 0
        return {
            "name": name, "enabled": enabled,
            "adapter": name == FEED or module is not None,
            "health": health if enabled else "off", "reason": doc.get("reason"),
            "account": doc.get("account"), "checked_at": doc.get("checked_at"),
            "fields": list(doc.get("fields") or []), "updated_at": doc.get("updated_at"),
            "paused_pending": waiting if health == Health.NEEDS_RECONNECT.value else 0,
        }

    async def views(self) -> list[Document]:
        return [await self.view(name) for name in KNOWN_CHANNELS]

    async def seed(self, environ: Mapping[str, str]) -> list[str]:
        """At start-up: channels configured by WARTA_<CHANNEL>_* that have no document yet."""
        seeded: list[str] = []
        for name, credentials in channels.seeds(environ).items():
            fields = sorted(credentials.model_fields_set)
            if await self.repository.seed(name, seal(self.fernet, credentials), fields,
                                          utcnow()):
                seeded.append(name)
                log.info("channel credentials seeded from the environment",
                         extra={"channel": name, "fields": fields})
        return seeded
