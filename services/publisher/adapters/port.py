"""The port every channel adapter implements, and the four ways an attempt can fail.

Each adapter module `services/publisher/adapters/<channel>.py` exposes `Credentials` (a pydantic
model; secrets as SecretStr; `api_base_url` defaulting to the production URL, so the sandbox is
configuration only) and `build(credentials, http: httpx.AsyncClient, context: AdapterContext)
-> Channel`. The publisher's credential store builds adapters through that pair.

The publish queue (services.publisher.handlers) decides what each failure means for the
publication: retry with backoff, dead at once, pause the channel until an admin reconnects it, or
stop and ask an editor. Adapters only translate the network's answer into one of these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, runtime_checkable

import httpx
from pydantic import BaseModel

from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef


class ChannelError(Exception):
    """Base: `message` is the network's own error text, kept for the editors."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code  # the vendor's error code, e.g. "190" or "FLOOD_WAIT"


class ChannelUnavailable(ChannelError):
    """429, 5xx, timeout: the same request may succeed later. `retry_after` in seconds if known.
    `maybe_posted`: the network may have acted (a timeout after the request went out, a
    connection dropped mid-answer), so the queue looks for the post before sending it again."""

    def __init__(self, message: str, *, code: str | None = None,
                 retry_after: float | None = None, maybe_posted: bool = False) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.maybe_posted = maybe_posted


def maybe_sent(exc: httpx.TransportError) -> bool:
    """False only when the request never left (no connection, or none free in the pool)."""
    return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


class ChannelRefused(ChannelError):
    """Any other 4xx: retrying the same request will not help; the publication is dead."""


class ChannelAuthFailed(ChannelError):
    """401 / Graph 190 / revoked token: the channel needs reconnecting; pause its queue."""


class ChannelAmbiguous(ChannelError):
    """The network may or may not have posted, and the adapter cannot tell: ask an editor."""


@dataclass(frozen=True)
class Posted:
    """What the network answered: enough to correct, take down and link to the post later."""

    external_id: str
    url: str
    extra: dict[str, str] = field(default_factory=dict)  # e.g. media ids, album message ids


@dataclass(frozen=True)
class Capabilities:
    """What the network's API can do after posting; the rest is told to editors as manual work."""

    can_edit: bool
    can_delete: bool
    manual_hint: str | None = None  # Indonesian, shown to editors when a capability is missing


@dataclass(frozen=True)
class AdapterContext:
    """What the publisher gives every adapter besides its own credentials."""

    article_link: Callable[[str], str]  # article id -> its public page (/berita/...), for posts
    fetch_photo: Callable[[AttachmentRef], Awaitable[bytes]]  # the full-size original
    # Persist rotated tokens (X OAuth 2.0 refresh, long-lived Graph tokens) in the encrypted store.
    save_credentials: Callable[[BaseModel], Awaitable[None]]
    # JPEG bytes -> an absolute public URL serving them (services.publisher.fitted_images), for
    # networks that fetch images by URL (Instagram); None where the publisher serves none.
    host_image: Callable[[bytes], Awaitable[str]] | None = None


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    async def check(self) -> str:
        """A cheap authenticated call (getMe, /me, users/me); returns the account's name.

        Raises ChannelAuthFailed or ChannelUnavailable.
        """
        ...

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        """After a crash between the network's answer and our record: the earlier post, if any.

        Raise ChannelAmbiguous when the network cannot be searched reliably.
        """
        ...

    async def publish(self, article: ArticleApprovedV1) -> Posted: ...

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        """Edit the post in place (or, where the API cannot edit, post the "Ralat" follow-up)."""
        ...

    async def withdraw(self, posted: Posted) -> None:
        """Take the post down (trash, delete); a post already gone counts as done."""
        ...


@runtime_checkable
class Refreshable(Protocol):
    """A channel whose long-lived token must be renewed before it expires (Facebook, Instagram).

    Called by the health round (one replica, under its lease) before the check."""

    async def refresh_token(self, window: timedelta) -> bool:
        """Renew the token if it expires within `window` (or its expiry is unknown and can be
        learnt), saving it through `AdapterContext.save_credentials`; True if it saved any.

        Raises ChannelAuthFailed when the network refuses the token (reconnect), or
        ChannelUnavailable when it cannot be asked now (the next round tries again).
        """
        ...
