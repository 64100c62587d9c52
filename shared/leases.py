"""Keeping a database lease alive while the work it guards (a post, a send) is in flight."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from shared.failures import TRANSIENT
from shared.retry import backoff_delays

log = logging.getLogger("warta.lease")

# Renews the holder's lease with one conditional update; False: the lease is not ours any more.
Renew = Callable[[], Awaitable[bool]]


@contextlib.asynccontextmanager
async def renewing(renew: Renew, every: float, held: str) -> AsyncIterator[None]:
    """Call `renew` every `every` seconds (a third of the lease, say) until the block ends.

    A transient failure is retried sooner, with backoff, while the lease still has time left;
    a lost lease stops the renewals (its new holder decides). `held` names it in the logs.
    """
    async def keep() -> None:
        delays, pause = backoff_delays(), every
        while True:
            await asyncio.sleep(pause)
            try:
                still_ours = await renew()
            except TRANSIENT as exc:
                pause = next(delays)
                log.warning("lease renewal failed", extra={
                    "lease": held, "error": repr(exc), "pause_s": pause})
                continue
            if not still_ours:
                log.warning("lease lost while its work was in flight", extra={"lease": held})
                return
            delays, pause = backoff_delays(), every

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
