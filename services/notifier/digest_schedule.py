"""Jobs (digests, retention) run by one replica at a time, under a lease in the database.

The lease document (`job:<name>` in `leases`) names its holder, its expiry and when the job last
finished; a scheduled run takes it only when the job has not run within its interval, an
admin's run whenever nobody holds it. The job's work is idempotent, so a holder that died
mid-run leaves nothing a later run cannot finish.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from shared.envelope import utcnow
from shared.leases import renewing
from shared.mongo import Database, DuplicateKeyError, find_one_and_update, update_one

log = logging.getLogger("warta.notifier.jobs")

LEASE = timedelta(minutes=2)
WAIT_STEP = 0.2  # seconds between looks at a held lease
Job = Callable[[datetime], Awaitable[Any]]


class JobBusy(Exception):
    """Another replica runs this job right now."""


class JobLease:
    def __init__(self, db: Database, name: str) -> None:
        self.leases, self.name, self.key = db["leases"], name, f"job:{name}"

    async def take(self, owner: str, gap: timedelta) -> bool:
        now = utcnow()
        held = await find_one_and_update(self.leases,
            {"_id": self.key, "until": {"$lt": now},
             "$or": [{"done_at": None}, {"done_at": {"$lte": now - gap}}]},
            {"$set": {"owner": owner, "until": now + LEASE}})
        if held is not None:
            return True
        try:
            await self.leases.insert_one({"_id": self.key, "owner": owner,
                                          "until": now + LEASE, "done_at": None})
        except DuplicateKeyError:
            return False
        return True

    async def renew(self, owner: str) -> bool:
        result = await update_one(self.leases, {"_id": self.key, "owner": owner},
                                  {"$set": {"until": utcnow() + LEASE}})
        return result.matched_count == 1

    async def release(self, owner: str, done: bool) -> None:
        now = utcnow()
        fields: dict[str, Any] = {"until": now - timedelta(seconds=1), "owner": None}
        if done:
            fields["done_at"] = now
        await update_one(self.leases, {"_id": self.key, "owner": owner}, {"$set": fields})

    async def run(self, job: Job, at: datetime, gap: timedelta = timedelta(0),
                  wait: float = 0.0) -> Any:
        """The job's result, run at `at` while holding the lease; JobBusy when it is still
        held by another run after `wait` seconds (an admin's run waits for a scheduled one)."""
        owner = secrets.token_hex(8)
        deadline = asyncio.get_running_loop().time() + wait
        while not await self.take(owner, gap):
            if asyncio.get_running_loop().time() >= deadline:
                raise JobBusy(self.name)
            await asyncio.sleep(WAIT_STEP)
        done = False
        try:
            async with renewing(lambda: self.renew(owner), LEASE.total_seconds() / 3,
                                self.key):
                result = await job(at)
            done = True
            return result
        finally:
            await self.release(owner, done)

    async def every(self, job: Job, gap: timedelta, poll: float) -> None:
        """Scheduled: look every `poll` seconds, run when due (`gap` since the last run)."""
        while True:
            try:
                result = await self.run(job, utcnow(), gap)
                log.info("scheduled job done", extra={"job": self.name, "result": result})
            except JobBusy:
                pass  # another replica runs it, or it ran within its interval
            except Exception as exc:  # the database or SMTP: the next look retries
                log.warning("job failed", extra={"job": self.name, "error": repr(exc)})
            await asyncio.sleep(poll)
