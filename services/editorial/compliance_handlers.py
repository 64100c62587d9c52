"""Use cases of compliance: the month's table, and the reminder to OPDs below target.

The reminder runs on a schedule in every replica, but only the holder of a database lease does
the work, and each (OPD, month) reminder is one document with a derived `_id`, inserted with its
`opd.behind_target` event (the notifier writes to the contact): running it again, from any
replica or from `warta compliance remind --at`, sends nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date

from services.editorial.compliance_repository import ComplianceRepository
from services.editorial.compliance_rules import OpdMonth, local_month, tally, utc_window
from services.editorial.opd_projection import OpdDirectory
from shared.envelope import root_event, utcnow
from shared.events.opds import OPD_BEHIND_TARGET, OpdBehindTargetV1
from shared.vocabulary import LOCALE, zone_of

log = logging.getLogger("warta.editorial.compliance")
LEASE = "compliance-reminders"


@dataclass
class Compliance:
    store: ComplianceRepository
    opds: OpdDirectory
    relay: Callable[[str], Awaitable[int]]
    reminder_day: int
    clock: Callable[[], datetime] = field(default=utcnow)
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    async def month(self, month: str) -> list[OpdMonth]:
        start, end = utc_window(month)
        return tally(month, await self.opds.all(), await self.store.submitted_between(start, end))

    async def remind(self, at: datetime) -> list[dict[str, Any]]:
        """Remind each OPD below target whose local date at `at` is on or past the reminder
        day of its month; what was sent before is reported, not sent again."""
        outcome: list[dict[str, Any]] = []
        opds = {o["_id"]: o for o in await self.opds.all()}
        by_month: dict[str, list[OpdMonth]] = {}
        for opd in opds.values():
            zone, _ = zone_of(opd["timezone"])
            if at.astimezone(zone).day < self.reminder_day:
                continue
            month = local_month(at, opd["timezone"])
            if month not in by_month:
                by_month[month] = await self.month(month)
            row = next(r for r in by_month[month] if r.opd_id == opd["_id"])
            if row.behind:
                outcome.append(await self._remind(opd, row, month, at))
        return outcome

    async def _remind(self, opd: dict[str, Any], row: OpdMonth, month: str, at: datetime
                      ) -> dict[str, Any]:
        reminder_id = f"{opd['_id']}:{month}"
        data = OpdBehindTargetV1(
            reminder_id=reminder_id, opd_id=opd["_id"], code=opd["code"], name=opd["name"],
            month=month, published=row.published, submitted=row.submitted, target=row.target,
            contact_name=opd.get("contact_name"), contact_email=opd.get("contact_email"),
            contact_phone=opd.get("contact_phone"), timezone=opd["timezone"],
            message=reminder_text(opd, row, month, at), sent_at=at)
        event = root_event(type=OPD_BEHIND_TARGET, version=1, source="editorial",
                           subject=opd["_id"], data=data, correlation_id=reminder_id)
        sent = await self.store.remind_once(
            {"_id": reminder_id, "opd_id": opd["_id"], "month": month, "at": at,
             "published": row.published, "target": row.target}, event)
        if sent:
            log.info("OPD reminded of its monthly target",
                     extra={"opd_code": opd["code"], "month": month})
            await self.relay(reminder_id)
        return {"reminder_id": reminder_id, "code": opd["code"], "month": month,
                "published": row.published, "target": row.target, "sent_now": sent}

    async def run_forever(self, interval: float) -> None:
        """The schedule: every `interval` seconds, the lease holder reminds who is due."""
        while True:
            await asyncio.sleep(interval)
            try:
                now = self.clock()
                if await self.store.take_lease(LEASE, self.owner, now,
                                               timedelta(seconds=max(interval, 60))):
                    await self.remind(now)
            except Exception as exc:  # logged; the next round tries again
                log.warning("compliance reminder round failed", extra={"error": repr(exc)})


def reminder_text(opd: dict[str, Any], row: OpdMonth, month: str, at: datetime) -> str:
    zone, label = zone_of(opd["timezone"])
    year, number = (int(p) for p in month.split("-"))
    month_name = format_date(datetime(year, number, 1), "MMMM y", locale=LOCALE)
    today = format_date(at.astimezone(zone), "d MMMM y", locale=LOCALE)
    greeting = opd.get("contact_name") or "Pengelola informasi"
    return (f"Yth. {greeting} ({opd['name']}): hingga {today} ({label}), baru {row.published} "
            f"dari target {row.target} laporan kegiatan bulan {month_name} yang terbit "
            f"({row.submitted} laporan masuk). Mohon kirimkan laporan kegiatan OPD Anda "
            "melalui Warta sebelum akhir bulan. Terima kasih.")
