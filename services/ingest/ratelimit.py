"""Per-key rate limit shared by every ingest instance: one window document per key in the database.

A key may make `burst` requests per window of `burst / rate` seconds (60 per 3 s by default, so
20/s sustained). A window opens at the key's first request after the previous one ended. Every
request is one atomic `$inc` on the key's document, conditional on its window being open, so 1 or
3 instances enforce the same budget; opening a window is one conditional update (or the first
insert), which exactly one instance wins when several try at once. A TTL index removes the
documents of keys that went quiet. The instances' wall clocks are compared (NTP keeps them close).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.mongo import ASCENDING, Collection, DuplicateKeyError, IndexModel, ReturnDocument

# A quiet key's document outlives its window by this much before the TTL monitor may delete it.
GRACE = timedelta(minutes=1)
# Requests of one burst (and instances' clocks) differ by less than this: a window opened this
# little after a request's arrival still counts it. Arrivals earlier than that were held up.
SKEW = timedelta(milliseconds=500)
# Opening a window races only with other instances opening it: a few rounds always settle it.
ROUNDS = 5


@dataclass(frozen=True)
class Window:
    """Pure arithmetic: whether the `count`-th request of a window opened at `start` passes."""

    seconds: float
    limit: int

    def open_after(self, now: float) -> float:
        """A window that started after this instant is still open at `now`."""
        return now - self.seconds

    def wait(self, count: int, start: float, now: float) -> float:
        """0 when allowed, else the seconds until the window ends (never 0)."""
        if count <= self.limit:
            return 0.0
        return max(start + self.seconds - now, 0.001)


class RateLimiter:
    def __init__(self, collection: Collection, rate_per_second: float, burst: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.collection, self._clock = collection, clock
        self.window = Window(seconds=burst / rate_per_second, limit=burst)

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes(
            [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)])

    async def acquire(self, key: str, arrived_at: float | None = None) -> float:
        """Count one request; returns 0 when allowed, else the seconds to wait before retrying.

        `arrived_at`: when the request reached us. Requests held up by a stalled dependency are
        counted in the window they arrived in, so a stall's queued burst is not a rate breach.
        """
        now = self._clock() if arrived_at is None else arrived_at
        for _ in range(ROUNDS):
            current = await self.collection.find_one_and_update(
                {"_id": key, "start": {"$gt": self.window.open_after(now),
                                       "$lte": now + SKEW.total_seconds()}},
                {"$inc": {"n": 1}}, return_document=ReturnDocument.AFTER)
            if current is not None:
                return self.window.wait(int(current["n"]), float(current["start"]), now)
            fresh = {"start": now, "n": 1, "expires_at": datetime.fromtimestamp(
                now + self.window.seconds, UTC) + GRACE}
            reopened = await self.collection.update_one(
                {"_id": key, "start": {"$lte": self.window.open_after(now)}}, {"$set": fresh})
            if reopened.matched_count == 1:
                return 0.0
            try:
                await self.collection.insert_one({"_id": key, **fresh})
                return 0.0
            except DuplicateKeyError:
                pass  # another instance opened a window a moment ago
            later = {"_id": key, "start": {"$gt": now + SKEW.total_seconds()}}
            if await self.collection.find_one(later, {"_id": 1}):
                # Arrived well before the window now open (held up by a stall): its own window
                # is over, so it is not counted against this one.
                return 0.0
        return self.window.seconds

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
