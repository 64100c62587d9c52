"""A service's stop ends every background loop, even one that swallowed a cancel.

Python 3.11's `asyncio.wait_for` drops a cancel that lands just as its inner call finishes; a
loop built on it then runs on, and a stop that cancelled once and awaited hung forever (a CI
run stalled for 15 minutes in the notifier's stop).
"""

from __future__ import annotations

import asyncio

from shared.runtime import cancel_all


async def _swallows_first_cancel(ticks: list[int]) -> None:
    swallowed = False
    while True:
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            if swallowed:
                raise
            swallowed = True  # what the 3.11 wait_for race does: the loop goes on
        ticks.append(1)


async def test_a_loop_that_swallows_one_cancel_still_stops() -> None:
    ticks: list[int] = []
    stubborn = asyncio.create_task(_swallows_first_cancel(ticks))
    polite = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0.05)
    stop = asyncio.create_task(cancel_all([stubborn, polite], patience=0.1))
    # A hang guard, not a timing claim. `asyncio.wait` never cancels what it waits on, so a stop
    # that hangs is seen as one, not rescued by the guard's own cancel.
    await asyncio.wait({stop}, timeout=30)
    hung = not stop.done()
    for task in (stop, stubborn):
        task.cancel()
    assert not hung, "the stop still waited on a loop that had swallowed one cancel"
    assert stubborn.cancelled() and polite.cancelled()
    assert ticks, "the stubborn loop ran before the stop"


async def test_a_loop_that_had_failed_does_not_break_the_stop() -> None:
    async def broken() -> None:
        raise RuntimeError("boom")

    failed = asyncio.create_task(broken())
    await asyncio.sleep(0)
    await cancel_all([failed])
    assert isinstance(failed.exception(), RuntimeError)


async def test_a_loop_that_ignores_every_cancel_is_left_behind_and_the_stop_goes_on() -> None:
    released = asyncio.Event()

    async def deaf() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue  # a bug: the stop must still finish

    stubborn = asyncio.create_task(deaf())
    await asyncio.sleep(0.02)
    stop = asyncio.create_task(cancel_all([stubborn], patience=0.05, give_up_after=0.3))
    await asyncio.wait({stop}, timeout=30)  # a hang guard, not a timing claim
    finished = stop.done()
    released.set()  # now the deaf loop may end, and the test's event loop close
    await stubborn
    if not finished:
        await stop
    assert finished, "the stop waited forever on a loop that ignores cancels"
