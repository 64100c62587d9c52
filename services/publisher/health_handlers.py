"""Channel health: each configured adapter's cheap authenticated check, at start-up and every
WARTA_PUBLISHER_HEALTH_INTERVAL seconds by one replica at a time (a lease in the database).

A change of health is one conditional update carrying `channel.health_changed` in the channel
document's outbox. needs_reconnect pauses the channel's queue on every replica; healthy again
(a check that passes, new credentials) lets its pending posts go out, once each.

In the leased round, before its check, a channel with a long-lived token
(adapters.port.Refreshable) renews it once it expires within WARTA_PUBLISHER_TOKEN_REFRESH_DAYS;
it is saved sealed by a conditional update (ChannelRepository.rotate), so two replicas never
overwrite each other.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.publisher.adapters.port import ChannelAuthFailed, ChannelError, Refreshable
from services.publisher.channel_adapters import ChannelAdapters, Opened
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.domain import FEED, Health
from services.publisher.publication_events import SOURCE
from shared.envelope import Envelope, root_event, utcnow
from shared.events.channels import CHANNEL_HEALTH_CHANGED, ChannelHealthChangedV1
from shared.failures import TRANSIENT
from shared.mongo import Document
from shared.retry import backoff_delays

log = logging.getLogger("warta.publisher.health")

LEASE_NAME = "channel-health"
CHECK_TIMEOUT = 20.0


class ChannelNotConfigured(Exception):
    """No credentials (or no adapter) for this channel: nothing to check."""


@dataclass
class ChannelHealth:
    repository: ChannelRepository
    adapters: ChannelAdapters
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)
    owner: str = field(default_factory=lambda: secrets.token_hex(8))
    refresh_window: timedelta = timedelta(days=7)  # WARTA_PUBLISHER_TOKEN_REFRESH_DAYS

    async def check(self, channel: str, *, renew: bool = False) -> Document:
        """Run the channel's check now and record the outcome; returns the channel's state.
        `renew`: renew a long-lived token first when due (the leased round only, so one
        replica renews)."""
        opened = await self.adapters.open(channel)
        if isinstance(opened, str):
            raise ChannelNotConfigured(opened)
        account: str | None = None
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                if renew:
                    opened = await self._renewed(channel, opened)
                account = await opened.adapter.check()
            health, reason = Health.HEALTHY, None
        except ChannelAuthFailed as exc:
            health, reason = Health.NEEDS_RECONNECT, exc.message
        except (ChannelError, TimeoutError, *TRANSIENT) as exc:  # type: ignore[misc]
            health, reason = Health.UNREACHABLE, str(exc) or type(exc).__name__
        except Exception as exc:  # an adapter's bug must not stop the others' checks
            log.exception("channel check raised", extra={"channel": channel})
            health, reason = Health.UNREACHABLE, repr(exc)
        now = self.clock()  # when the outcome is known: editorial keeps the newest (a check
        # that began earlier but answered last is the publisher's state)
        await self._record(channel, opened.channel, int(opened.channel.get("version", 0)),
                           health, reason=reason, account=account, now=now)
        return await self.repository.get(channel) or {}

    async def _renewed(self, channel: str, opened: Opened) -> Opened:
        """The token renewed first when due; the check then runs on what was saved. A refusal
        of the token (190) is the check's needs_reconnect; a network that cannot renew now
        leaves the still-valid token to the next round."""
        adapter = opened.adapter
        if not isinstance(adapter, Refreshable):
            return opened
        try:
            if not await adapter.refresh_token(self.refresh_window):
                return opened
        except ChannelAuthFailed:
            raise
        except ChannelError as exc:
            log.warning("channel token renewal failed; retried at the next round", extra={
                "channel": channel, "error": exc.message, "code": exc.code})
            return opened
        log.info("channel token renewed", extra={"channel": channel})
        again = await self.adapters.open(channel)
        return opened if isinstance(again, str) else again

    async def needs_reconnect(self, channel: str, state: Document, reason: str,
                              now: datetime) -> None:
        """A post met a token error: pause the channel for every replica."""
        await self._record(channel, state, int(state.get("version", 0)),
                           Health.NEEDS_RECONNECT, reason=reason, account=None, now=now)

    async def _record(self, channel: str, state: Document, version: int, health: Health, *,
                      reason: str | None, account: str | None, now: datetime) -> None:
        previous = str(state.get("health") or Health.UNKNOWN.value)
        event = health_changed(channel, health, previous=previous, reason=reason, account=account,
                         now=now)
        changed = await self.repository.record_health(
            channel, version, health=health, reason=reason, account=account, now=now,
            event=event)
        if not changed:
            return
        level = logging.INFO if health == Health.HEALTHY else logging.ERROR
        log.log(level, "channel health changed", extra={
            "channel": channel, "health": health.value, "previous": previous,
            "reason": reason})
        try:
            await self.relay(channel)
        except Exception as exc:  # the sweep relays it
            log.warning("relay deferred to the outbox sweep", extra={"error": repr(exc)})

    async def check_all(self, *, renew: bool = False) -> dict[str, str]:
        """Every enabled channel but the feed, one after the other; never raises for one.
        `renew` in the leased round only (see `check`)."""
        results: dict[str, str] = {}
        for doc in await self.repository.all():
            name = str(doc["_id"])
            if name == FEED or not doc.get("enabled"):
                continue
            try:
                results[name] = str((await self.check(name, renew=renew)).get("health"))
            except ChannelNotConfigured as exc:
                results[name] = str(exc)
                log.error("channel cannot be checked", extra={"channel": name,
                                                               "reason": str(exc)})
        return results

    async def run_forever(self, interval: float) -> None:
        """At start-up, then every `interval` s, under the lease: one replica checks."""
        delays = backoff_delays(wait_initial=1.0, wait_max=min(interval, 60.0))
        pause = 0.0
        while True:
            await asyncio.sleep(pause)
            try:
                ttl = timedelta(seconds=max(interval * 0.9, 1.0))
                if await self.repository.take_lease(LEASE_NAME, self.owner, self.clock(), ttl):
                    results = await self.check_all(renew=True)
                    if results:
                        log.info("channel health checked", extra={"channels": results})
                pause, delays = interval, backoff_delays(wait_initial=1.0,
                                                         wait_max=min(interval, 60.0))
            except Exception as exc:  # the database is away: try again soon, never die
                pause = next(delays)
                log.warning("channel health check failed, backing off", extra={
                    "error": repr(exc), "pause_s": pause})


def health_changed(channel: str, health: Health, *, previous: str, reason: str | None,
             account: str | None, now: datetime) -> Envelope:
    return root_event(
        type=CHANNEL_HEALTH_CHANGED, version=1, source=SOURCE, subject=channel,
        data=ChannelHealthChangedV1(channel=channel, health=health.value, previous=previous,
                                    reason=reason, account=account, checked_at=now),
        correlation_id=f"channel:{channel}")
