"""The per-key token bucket, on a fake clock (pure arithmetic, no I/O)."""

from __future__ import annotations

from services.ingest.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_the_rate_and_retry_after_says_when() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_second=2.0, burst=3, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("k")
    assert wait == 0.5
    assert RateLimiter.retry_after_header(wait) == "1"
    clock.now += 0.5
    assert limiter.acquire("k") == 0.0
    assert limiter.acquire("other") == 0.0  # each key has its own bucket


def test_tokens_refill_up_to_the_burst_only() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_second=1.0, burst=2, clock=clock)
    limiter.acquire("k")
    clock.now += 3600  # an hour idle earns 3,600 tokens, but the bucket holds only 2
    first, second, third = (limiter.acquire("k") for _ in range(3))
    assert (first, second) == (0.0, 0.0) and third == 1.0
