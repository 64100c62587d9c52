"""Builds a channel's adapter from its stored (sealed) credentials, for one attempt or check.

Built per use from the database, so a credential change or a rotated token takes effect on
every replica at its next post; nothing is cached for correctness.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
from cryptography.fernet import MultiFernet
from pydantic import BaseModel, ValidationError

from services.publisher import channels
from services.publisher.adapters.feed import FeedChannel
from services.publisher.adapters.port import AdapterContext, Channel, ChannelUnavailable
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.domain import FEED, KNOWN_CHANNELS, Health, article_url, unavailable_reason
from services.publisher.sealing import Unsealable, seal, unseal
from shared.envelope import utcnow
from shared.events.common import AttachmentRef
from shared.mongo import Document

UNSEALABLE = "stored credentials cannot be decrypted: set them again"
INVALID = "stored credentials do not fit this version's adapter: set them again"


@dataclass(frozen=True)
class Opened:
    adapter: Channel
    channel: Document  # its stored state: health, version


class ChannelAdapters:
    def __init__(self, repository: ChannelRepository, fernet: MultiFernet, feed: FeedChannel,
                 http: httpx.AsyncClient, website_base_url: str,
                 *, host_image: Callable[[bytes], Awaitable[str]] | None = None,
                 outbound: httpx.AsyncClient) -> None:
        self.repository, self.fernet, self.feed = repository, fernet, feed
        self.http, self.base, self.host_image = http, website_base_url, host_image
        # The adapters call URLs an admin typed in: through the SSRF guard (shared.outbound).
        # `http` fetches ingest's photos, an internal address by design.
        self.outbound = outbound

    async def open(self, name: str) -> Opened | str:
        """The adapter ready to use, or why the channel cannot post now (stored as the error)."""
        if name == FEED:
            return Opened(self.feed, {"_id": FEED, "health": Health.HEALTHY.value,
                                      "version": 0, "enabled": True})
        doc = await self.repository.sealed(name) if name in KNOWN_CHANNELS else None
        configured = bool(doc and doc.get("enabled") and doc.get("sealed"))
        module = channels.adapter_module(name)
        reason = unavailable_reason(name, module is not None and configured, configured)
        if reason is not None or module is None or doc is None:
            return reason or "channel unavailable"
        try:
            credentials = module.Credentials.model_validate(unseal(self.fernet, doc["sealed"]))
        except Unsealable:
            return UNSEALABLE
        except ValidationError:
            return INVALID
        context = AdapterContext(
            article_link=partial(article_url, self.base), fetch_photo=self._photo,
            save_credentials=partial(self._rotated, name, int(doc.get("version", 0))),
            host_image=self.host_image)
        doc.pop("sealed", None)
        return Opened(module.build(credentials, self.outbound, context), doc)

    async def _rotated(self, name: str, version: int, credentials: BaseModel) -> None:
        if not await self.repository.rotate(name, version, seal(self.fernet, credentials),
                                            utcnow()):
            # An admin's change or another replica's renewal came first: ours is not saved.
            raise ChannelUnavailable(f"{name}: credentials changed meanwhile; token not saved",
                                     code="credentials_changed")

    async def _photo(self, attachment: AttachmentRef) -> bytes:
        try:
            response = await self.http.get(attachment.url, timeout=30)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise ChannelUnavailable(f"photo {attachment.id} could not be fetched: "
                                     f"{type(exc).__name__}") from exc
        return response.content


def validate(name: str, fields: dict[str, Any]) -> BaseModel:
    """An admin's credentials for `name`, checked by that adapter's own model (raises
    LookupError without an adapter, pydantic's ValidationError naming the field)."""
    module = channels.adapter_module(name)
    if module is None:
        raise LookupError(name)
    return module.Credentials.model_validate(fields)
