"""The database stalls right after the SMTP server took an email, before the notifier recorded
it as sent: once the database is back, the delivery is recorded as sent and the email is not
sent again (at most one duplicate is allowed for a *crash* in that window, none for a stall)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.faults import events, seed
from tests.faults.figures import Figures
from tests.faults.harness import Stack
from tests.faults.test_smtp import announce, deliveries
from tests.probes import eventually

pytestmark = pytest.mark.crash
STALL_SECONDS = 10.0


async def test_an_email_sent_just_before_a_database_stall_is_recorded_once_it_returns(
    stack: Stack, figures_dir: Path,
) -> None:
    mongo_pid = stack.real_infra.mongo_pid
    opd = events.an_opd()
    (address,) = await seed.journalists(stack, opd.id, 1)
    stalled = threading.Event()

    def stall() -> None:
        os.kill(mongo_pid, signal.SIGSTOP)
        stalled.set()

    stack.receiver.handler.after_accept = stall
    article_id = str(uuid.uuid4())
    try:
        await announce(stack, article_id, opd)
        await eventually(lambda: asyncio.to_thread(stalled.wait, 0.5), "an email taken", 60)
        await asyncio.sleep(STALL_SECONDS)
    finally:
        os.kill(mongo_pid, signal.SIGCONT)
    returned = time.monotonic()

    async def recorded() -> bool:
        return bool((await deliveries(stack, article_id))[address]["state"] == "sent")

    try:
        await eventually(recorded, "the delivery recorded as sent after the stall", 40)
    finally:
        found = await deliveries(stack, article_id)
        received = stack.receiver.per_delivery({d["_id"] for d in found.values()})
        Figures(scenario="database stall between send and record", acknowledged=1,
                duplicate_emails=sum(n - 1 for n in received.values()),
                recover_s=round(time.monotonic() - returned, 2),
                extra={"state": found[address]["state"]}).write(figures_dir)
    await asyncio.sleep(3.0)  # a few sender sweeps
    received = stack.receiver.per_delivery({d["_id"] for d in found.values()})
    assert list(received.values()) == [1], f"emails per delivery: {dict(received)}"
