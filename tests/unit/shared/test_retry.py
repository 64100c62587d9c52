"""The one retry/backoff policy: bounded, growing, jittered; retries only what it is told to."""

from __future__ import annotations

import itertools

import pytest

from shared.consumer import MAX_POLL_INTERVAL_MS, RetryPolicy
from shared.failures import PermanentError, TransientError
from shared.retry import backoff_delays, jittered, retried, retrying


def test_delays_grow_with_jitter_and_never_exceed_the_cap() -> None:
    for attempt in range(12):
        capped = min(5.0, 0.2 * 2**attempt)
        samples = [jittered(attempt, 0.2, 5.0) for _ in range(200)]
        assert all(capped / 2 <= d <= capped for d in samples)
        assert len(set(samples)) > 1


def test_a_background_loop_backs_off_to_its_cap_and_stays_there() -> None:
    delays = list(itertools.islice(backoff_delays(0.5, 30.0), 200))
    assert all(0.25 <= d <= 30.0 for d in delays)
    assert all(d >= 15.0 for d in delays[10:])  # saturated: between half the cap and the cap


async def test_transient_failures_are_retried_then_the_last_one_is_raised() -> None:
    calls = 0
    with pytest.raises(TransientError):
        async for attempt in retrying(attempts=3, wait_initial=0.001, wait_max=0.002):
            with attempt:
                calls += 1
                raise TransientError("503")
    assert calls == 3


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    @retried(attempts=5, wait_initial=0.001, wait_max=0.002)
    async def refuse() -> None:
        nonlocal calls
        calls += 1
        raise PermanentError("400")

    with pytest.raises(PermanentError):
        await refuse()
    assert calls == 1


def test_the_consumers_whole_retry_budget_stays_well_under_the_poll_interval() -> None:
    policy = RetryPolicy()
    worst = policy.budget + policy.wait_max + policy.outage_pause_max
    assert worst < MAX_POLL_INTERVAL_MS / 1000 / 2
