"""The broker, then the database, paused (SIGSTOP) for 10 s under the mixed load.

Every 2xx answer's change is there afterwards; no 500; each 503 carries Retry-After and says
"nothing was saved" only when true; what was saved during the outage is relayed once the
dependency returns (how long it takes is measured, not asserted).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.faults.harness import Stack, pause
from tests.faults.progress import drained
from tests.faults.scenario import Run, check, now, under_load

pytestmark = pytest.mark.crash
PAUSE_SECONDS = 10.0


async def paused_run(stack: Stack, what: str, pid: int, directory: Path) -> Run:
    relayed: list[asyncio.Task[float | None]] = []

    async def outage() -> float:
        await pause(pid, PAUSE_SECONDS)
        healed = now()
        relayed.append(asyncio.create_task(drained(stack, healed)))
        return healed

    run = await under_load(stack, f"{what} SIGSTOP {PAUSE_SECONDS:g} s", outage, directory,
                           seconds=18.0)
    run.extra["relayed_after_return_s"] = await relayed[0] if relayed else None
    return run


async def test_a_paused_broker_loses_and_repeats_nothing(stack: Stack,
                                                         figures_dir: Path) -> None:
    run = await paused_run(stack, "Kafka", stack.real_infra.kafka_pid, figures_dir)
    await check(run, figures_dir)


async def test_a_paused_database_loses_nothing_and_answers_honestly(
    stack: Stack, figures_dir: Path,
) -> None:
    run = await paused_run(stack, "database", stack.real_infra.mongo_pid, figures_dir)
    await check(run, figures_dir)
