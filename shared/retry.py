"""The one retry/backoff policy: stamina for retried calls, `backoff_delays` for background loops.

Use:

- a block, retried on transient failures (the last failure is re-raised when the budget is spent;
  anything not in `on` propagates at once, unretried)::

      async for attempt in retrying(attempts=5):
          with attempt:
              await client.post(...)

- a coroutine function, retried on every call::

      @retried(attempts=3, wait_max=2.0)
      async def send(...) -> None: ...

- a loop that must never give up nor spin (a sweeper, a poller, a lease renewer)::

      delays = backoff_delays()
      while True:
          try:
              await work()
              delays = backoff_delays()  # healthy again: start small
              await asyncio.sleep(interval)
          except TRANSIENT:
              await asyncio.sleep(next(delays))

Delays grow exponentially from `wait_initial` to `wait_max`, with jitter, so replicas that failed
together do not retry together. Retries are logged and counted by stamina's instrumentation
(`stamina.retry_scheduled` log records, `stamina_retries_total` on /metrics).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar

import stamina

from shared.failures import TRANSIENT

P = ParamSpec("P")
T = TypeVar("T")

ErrorTypes = type[Exception] | tuple[type[Exception], ...]

__all__ = ["TRANSIENT", "backoff_delays", "jittered", "retried", "retrying"]


def retrying(
    *, on: ErrorTypes = TRANSIENT, attempts: int | None = 5, timeout: float | None = 60.0,
    wait_initial: float = 0.2, wait_max: float = 5.0, wait_jitter: float | None = None,
) -> AsyncIterator[stamina.Attempt]:
    """Attempts of one block: `async for attempt in retrying(): with attempt: ...`.

    `attempts` counts the first try; `timeout` bounds the whole (seconds, None = unbounded);
    the jitter defaults to `wait_initial`, so the first retry waits between 1x and 2x of it.
    """
    jitter = wait_initial if wait_jitter is None else wait_jitter
    return stamina.retry_context(
        on=on, attempts=attempts, timeout=timeout, wait_initial=wait_initial,
        wait_max=wait_max, wait_jitter=jitter)


def retried(
    *, on: ErrorTypes = TRANSIENT, attempts: int | None = 5, timeout: float | None = 60.0,
    wait_initial: float = 0.2, wait_max: float = 5.0, wait_jitter: float | None = None,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorator form of `retrying` for a coroutine function (same parameters)."""
    jitter = wait_initial if wait_jitter is None else wait_jitter
    return stamina.retry(
        on=on, attempts=attempts, timeout=timeout, wait_initial=wait_initial,
        wait_max=wait_max, wait_jitter=jitter)


def jittered(attempt: int, wait_initial: float, wait_max: float) -> float:
    """The pause after failure number `attempt` (0-based): half the capped exponential, plus
    a random share of the other half; never above `wait_max`."""
    capped: float = min(wait_max, wait_initial * 2**attempt)
    return capped / 2 + random.uniform(0, capped / 2)  # noqa: S311 - jitter, not crypto


def backoff_delays(wait_initial: float = 0.5, wait_max: float = 30.0) -> Iterator[float]:
    """Endless growing, jittered pauses for a loop that retries forever; start a new iterator
    after a success to go back to short pauses."""
    attempt = 0
    while True:
        yield jittered(attempt, wait_initial, wait_max)
        attempt = min(attempt + 1, 62)  # 2**62 already saturates any cap
