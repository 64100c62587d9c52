"""kill -9 of each service under the mixed load, then the test restarts it (as the local
stack's supervisor does): nothing acknowledged is lost, no state change happens twice, and an
email is sent twice at most for each delivery that was in flight at the crash."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from shared.mongo import MongoHandle
from tests.faults.harness import Stack
from tests.faults.scenario import check, now, under_load
from warta_cli.instances import SERVICES

pytestmark = pytest.mark.crash


async def sending(stack: Stack) -> int:
    """Deliveries a crashed notifier left between handing the email over and recording it."""
    mongo = MongoHandle(stack.settings, "notifier")
    try:
        return int(await mongo.db["deliveries"].count_documents({"state": "sending"}))
    finally:
        mongo.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_kill_9_under_load_loses_and_repeats_nothing(
    service: str, stack: Stack, figures_dir: Path,
) -> None:
    in_flight = 0
    ready_s: list[float] = []

    async def crash() -> float:
        nonlocal in_flight
        stack.kill9(service)
        if service == "notifier":
            in_flight = await sending(stack)
        healed = now()
        stack.restart(service)
        ready_s.append(await asyncio.to_thread(stack.wait_ready, service))
        return healed

    run = await under_load(stack, f"kill -9 {service}", crash, figures_dir,
                           allowed_duplicate_emails=lambda: in_flight, crashes=1)
    run.extra.update({"restarted_ready_s": round(ready_s[0], 2) if ready_s else None,
                      "in_flight_at_crash": in_flight})
    await check(run, figures_dir)
