"""One fault under the mixed load: seed, load, inject, heal, wait for quiescence, judge.

The figures are written before any assertion, so a failing run still reports what it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.mongo import MongoHandle
from tests.faults import seed
from tests.faults.figures import Figures
from tests.faults.harness import Stack
from tests.faults.ledger import Ledger
from tests.faults.load import Load
from tests.faults.progress import Progress, recovered, settle
from tests.faults.verdict import Verdict, judge

# The fault: runs while the load goes on; returns when healed (the monotonic time it ended).
Fault = Callable[[], Awaitable[float]]
QUIET_SECONDS = 3.0  # after quiescence, so a late duplicate shows


@dataclass
class Run:
    stack: Stack
    opd_id: str
    ledger: Ledger
    journalists: list[str]
    progress: Progress
    verdict: Verdict
    recover_s: float | None
    figures: Figures
    extra: dict[str, Any] = field(default_factory=dict)


async def under_load(stack: Stack, scenario: str, fault: Fault, directory: Path, *,
                     seconds: float = 8.0, fault_after: float = 1.5, journalists: int = 3,
                     allowed_duplicate_emails: Callable[[], int] = lambda: 0,
                     crashes: int = 0) -> Run:
    token = await seed.editor_token(stack)
    opd = await seed.opd(stack)
    emails = await seed.journalists(stack, opd.id, journalists)
    ledger = Ledger()
    tag = re.sub(r"[^A-Za-z0-9]+", "-", scenario).strip("-") + f"-{opd.code}"
    load = Load(stack.url("ingest"), stack.url("editorial"), opd.key, token, ledger, tag)
    running = asyncio.create_task(load.run(seconds))
    at = round(fault_after + random.uniform(0, 2), 2)  # not always at the same step of the load
    await asyncio.sleep(at)
    healed = await fault()
    watcher = asyncio.create_task(_quietly(recovered(stack, ledger, journalists, healed)))
    await running
    progress = await settle(stack, ledger, journalists)
    recover_s = await watcher
    await asyncio.sleep(QUIET_SECONDS)
    verdict = await judge(stack, ledger, opd.id)
    figures = Figures(
        scenario=scenario, acknowledged=ledger.acknowledged(), lost=verdict.lost_total,
        duplicate_state_changes=verdict.duplicates_total + len(verdict.backwards),
        duplicate_posts=verdict.duplicate_posts, duplicate_emails=verdict.duplicate_emails,
        crashes=crashes, dead_letters=verdict.dead_letters, recover_s=recover_s,
        answers_503=len(ledger.unavailable()), answers_500=len(ledger.server_errors()),
        unanswered=ledger.unanswered,
        extra={"fault_at_s": at, "reports": len(ledger.reports), "approvals": len(ledger.approved),
               "503s": dict(Counter(f"{a.service} {a.method} {a.code}/{a.outcome}"
                                    for a in ledger.unavailable())),
               "emails": verdict.emails,
               "allowed_duplicate_emails": allowed_duplicate_emails()})
    return Run(stack, opd.id, ledger, emails, progress, verdict, recover_s, figures)


async def _quietly(probe: Awaitable[float | None]) -> float | None:
    with contextlib.suppress(Exception):  # a figure, not a verdict
        return await probe
    return None


async def dishonest_503s(run: Run) -> list[str]:
    """503s on a report that said nothing was saved, while that very request saved it (the
    report's stored submission time falls inside the request)."""
    suspicious = [a for a in run.ledger.unavailable()
                  if a.path == "/v1/reports" and a.claims_nothing_saved()]
    if not suspicious:
        return []
    mongo = MongoHandle(run.stack.settings, "ingest")
    try:
        lies = []
        for answer in suspicious:
            report_id = run.ledger.reports.get(answer.ref)
            doc = await mongo.db["reports"].find_one({"_id": report_id}, {"submitted_at": 1})
            saved = doc["submitted_at"].timestamp() if doc else None
            if saved is not None and answer.sent - 0.05 <= saved <= answer.received + 0.05:
                lies.append(answer.line())
        return lies
    finally:
        mongo.close()


async def check(run: Run, directory: Path) -> None:
    """The assertions every fault run shares (after writing its figures)."""
    run.figures.extra.update(run.extra)
    run.figures.write(directory)
    stack, ledger, verdict, progress = run.stack, run.ledger, run.verdict, run.progress
    assert not stack.exited(), f"exited and needed a manual restart: {stack.exited()}"
    unanswered = ledger.unanswered_keys()
    assert not unanswered, f"reports never answered 201: {unanswered[:5]}, answers: " \
        f"{[a.line() for a in ledger.answers if a.ref in unanswered][:5]}"
    assert not ledger.server_errors(), [a.line() for a in ledger.server_errors()[:5]]
    missing_retry_after = [a.line() for a in ledger.unavailable() if not a.retry_after]
    assert not missing_retry_after, missing_retry_after[:5]
    lies = await dishonest_503s(run)
    assert not lies, f"503 'nothing was saved' for a saved report: {lies[:5]}"
    assert len(ledger.approved) == len(ledger.reports), \
        f"editors could not approve {len(ledger.reports) - len(ledger.approved)} reports: " \
        f"{[a.line() for a in ledger.answers if a.status >= 400][-5:]}"
    assert progress.done(), f"not quiescent after the fault: {progress}; last errors: " \
        f"{[line for s in stack.processes for line in stack.errors_logged(s)[-2:]]}"
    assert verdict.lost_total == 0, f"lost: {verdict.lost}"
    assert verdict.duplicates_total == 0, f"duplicate state changes: {verdict.duplicates}"
    assert not verdict.backwards, f"article versions went backwards: {verdict.backwards[:5]}"
    assert verdict.duplicate_posts == 0
    assert verdict.dead_letters == 0, "acknowledged work was dead-lettered"
    allowed = run.figures.extra["allowed_duplicate_emails"]
    assert verdict.duplicate_emails <= allowed, \
        f"{verdict.duplicate_emails} duplicate emails, {allowed} in flight at the crash"


def now() -> float:
    return time.monotonic()
