"""Backoff of the consumer: bounded, growing, jittered."""

from __future__ import annotations

from shared.consumer import RetryPolicy


def test_delays_grow_with_jitter_and_never_exceed_the_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay=0.2, max_delay=5.0)
    for attempt in range(8):
        capped = min(5.0, 0.2 * 2**attempt)
        samples = [policy.delay(attempt) for _ in range(200)]
        assert all(capped / 2 <= d <= capped for d in samples)
        assert len(set(samples)) > 1


def test_the_whole_retry_budget_stays_well_under_the_poll_interval() -> None:
    policy = RetryPolicy()
    worst = sum(min(policy.max_delay, policy.base_delay * 2**a) for a in range(policy.attempts))
    assert worst < 300 / 10  # max_poll_interval_ms is 300 s
