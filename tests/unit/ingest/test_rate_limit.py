"""The rate limit's window arithmetic (pure; the counting itself is one database update, tested
on the real database in tests/integration/ingest/test_security.py and across instances in
tests/e2e/test_replicas.py)."""

from __future__ import annotations

from services.ingest.ratelimit import RateLimiter, Window


def test_the_first_limit_requests_of_a_window_pass_then_the_wait_runs_to_its_end() -> None:
    window = Window(seconds=3.0, limit=60)
    assert [window.wait(n, 100.0, 101.5) for n in (1, 59, 60)] == [0.0, 0.0, 0.0]
    assert window.wait(61, 100.0, 101.5) == 1.5
    assert RateLimiter.retry_after_header(1.5) == "2"


def test_a_window_is_open_for_its_length_after_it_started() -> None:
    window = Window(seconds=3.0, limit=2)
    assert window.open_after(103.0) == 100.0  # a window opened at 100.0 has just ended


def test_the_wait_is_never_zero_for_a_refused_request() -> None:
    window = Window(seconds=1.0, limit=1)
    assert window.wait(2, 5.0, 6.0) > 0  # the clock reached the window's end already
    assert RateLimiter.retry_after_header(0.001) == "1"
