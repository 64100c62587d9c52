"""Hands due publications to background posts, a few per channel at once, from the database.

The queue is the publications collection itself: a post not started here (every slot of its
channel busy, a crash) stays due and the next sweep takes it. So neither the consumer nor a slow
network (WordPress uploading photos) holds up the other channels. The slots and the set of ids
in flight are process memory for pacing only; the lease in the database keeps each post single
across replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.publisher.domain import channel_of
from shared.failures import TRANSIENT
from shared.retry import backoff_delays

log = logging.getLogger("warta.publisher")

# Posts per channel in flight at once in this process.
POSTS_IN_FLIGHT = 4
SWEEP_BATCH = 100


@dataclass
class Dispatcher:
    post: Callable[[str], Awaitable[None]]
    due: Callable[[datetime, int], Awaitable[list[str]]]  # due ids of unpaused channels
    clock: Callable[[], datetime]
    _slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _flying: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def post_soon(self, pub_id: str) -> bool:
        """Start the post in the background if its channel has a free slot; False otherwise
        (it stays due in the database: a sweep posts it when a slot frees)."""
        if pub_id in self._flying:
            return True
        slots = self._slots.setdefault(channel_of(pub_id), asyncio.Semaphore(POSTS_IN_FLIGHT))
        if slots.locked():
            return False
        self._flying.add(pub_id)
        task = asyncio.create_task(self._run(pub_id, slots))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, pub_id: str, slots: asyncio.Semaphore) -> None:
        async with slots:
            try:
                await self.post(pub_id)
            except Exception as exc:  # it stays due: a later sweep posts it
                log.warning("post deferred to the scheduler", extra={
                    "publication_id": pub_id, "error": repr(exc)})
            finally:
                self._flying.discard(pub_id)
                self._wake.set()  # a slot is free: sweep now, not at the next tick

    async def sweep(self) -> None:
        for pub_id in await self.due(self.clock(), SWEEP_BATCH):
            self.post_soon(pub_id)

    async def run(self, interval: float) -> None:
        """Sweep every `interval` seconds, and at once when a slot frees. Errors back off,
        never stop it."""
        delays = backoff_delays(wait_initial=max(interval, 0.5))
        delay = interval
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.sweep()
                delays, delay = backoff_delays(wait_initial=max(interval, 0.5)), interval
            except Exception as exc:  # logged and retried later; the loop must not die
                delay = next(delays)
                level = logging.WARNING if isinstance(exc, TRANSIENT) else logging.ERROR
                log.log(level, "scheduler sweep failed, backing off", exc_info=True,
                        extra={"error": repr(exc), "pause_s": delay})

    async def drain(self) -> None:
        """Wait for the posts in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
