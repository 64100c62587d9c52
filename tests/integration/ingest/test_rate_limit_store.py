"""The shared rate limit on the real database: windows open and reopen by the clock, and two
limiters (as two instances would) racing on one key hand out exactly one budget."""

from __future__ import annotations

import asyncio

from services.ingest.ratelimit import RateLimiter
from shared.mongo import MongoHandle
from shared.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_allows_the_burst_then_reopens_when_it_ends(settings: Settings) -> None:
    mongo = MongoHandle(settings, "ingest")
    try:
        clock = Clock()
        limiter = RateLimiter(mongo.db["rate_windows"], rate_per_second=1.0, burst=2, clock=clock)
        await limiter.ensure_indexes()
        assert [await limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 2.0]
        clock.now += 1.5
        assert await limiter.acquire("k") == 0.5  # still the same window
        assert await limiter.acquire("other") == 0.0  # each key has its own
        clock.now += 0.6
        assert [await limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 2.0]
    finally:
        mongo.close()


async def test_requests_held_up_by_a_stall_count_in_the_window_they_arrived_in(
        settings: Settings) -> None:
    """Half the quota, spread over three windows, all reaching the limiter at once after a
    database stall: none is refused (they used to be counted when processed, as one burst)."""
    mongo = MongoHandle(settings, "ingest")
    try:
        clock = Clock()
        limiter = RateLimiter(mongo.db["rate_windows"], rate_per_second=1.0, burst=2, clock=clock)
        arrivals = [clock.now + offset for offset in (0.0, 2.1, 4.2)]  # one per 2 s window
        clock.now += 5.0  # the stall is over: all three are processed now
        waits = await asyncio.gather(*(limiter.acquire("k", at) for at in arrivals))
        assert list(waits) == [0.0, 0.0, 0.0]
        burst = await asyncio.gather(*(limiter.acquire("b") for _ in range(3)))
        assert sorted(burst) == [0.0, 0.0, 2.0]  # requests arriving together still are limited
    finally:
        mongo.close()


async def test_two_limiters_racing_on_one_key_share_one_budget(settings: Settings) -> None:
    handles = [MongoHandle(settings, "ingest"), MongoHandle(settings, "ingest")]
    try:
        limiters = [RateLimiter(h.db["rate_windows"], rate_per_second=0.001, burst=10)
                    for h in handles]
        waits = await asyncio.gather(*(limiters[n % 2].acquire("shared") for n in range(40)))
        assert sum(1 for w in waits if w == 0.0) == 10
    finally:
        for handle in handles:
            handle.close()
