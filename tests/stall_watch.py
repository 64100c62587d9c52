"""A test still running after 14 minutes prints its asyncio tasks' stacks into the run's log.

faulthandler (at 15 minutes) shows only threads: a stalled async test shows as the event loop
asleep in `select`. The tasks say which `await` never returns (a stalled CI run had to be
re-created locally to learn it was a service's stop waiting on a loop that swallowed a cancel).
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
from collections.abc import Generator
from types import FrameType

import pytest

PATIENCE_S = float(os.environ.get("WARTA_TEST_STALL_WATCH_S", "840"))

# A copy of stderr taken before any test's capture, as pytest's faulthandler plugin does.
_log: list[io.TextIOWrapper] = []


def _dump_tasks(signum: int, frame: FrameType | None) -> None:
    """Runs in the main thread, between two bytecodes of whatever it was doing."""
    del signum, frame
    out = io.StringIO()
    try:
        tasks = asyncio.all_tasks(asyncio.get_running_loop())
    except RuntimeError:
        out.write("stall watch: no event loop is running in the main thread\n")
        tasks = set()
    for task in tasks:
        out.write(f"stall watch: task {task.get_name()}: {task.get_coro()!r}\n")
        task.print_stack(file=out)
    for log in _log:
        log.write(out.getvalue())
        log.flush()


def pytest_configure(config: pytest.Config) -> None:
    del config
    if hasattr(signal, "SIGUSR1") and not _log:
        _log.append(open(os.dup(2), "w", encoding="utf-8"))  # noqa: SIM115 (the session's)
        signal.signal(signal.SIGUSR1, _dump_tasks)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    timer = None
    if _log:
        def stalled() -> None:
            _log[0].write(f"stall watch: {item.nodeid} still running after "
                          f"{PATIENCE_S:.0f} s; its tasks follow\n")
            _log[0].flush()
            os.kill(os.getpid(), signal.SIGUSR1)

        timer = threading.Timer(PATIENCE_S, stalled)
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
