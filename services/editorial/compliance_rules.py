"""Pure rules of OPD reporting compliance (kepatuhan pelaporan): per OPD per month, counted by
submission in the OPD's own time zone, against its monthly target of published reports. No I/O."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.opds import DEFAULT_MONTHLY_TARGET
from shared.vocabulary import zone_of

SENT_BACK_ACTION = "request_revision"
# Indonesia's zones are UTC+7..+9: a month in any of them lies within this margin of UTC's.
_MARGIN = timedelta(hours=10)


class BadMonth(ValueError):
    """Not a month as YYYY-MM."""


@dataclass(frozen=True)
class OpdMonth:
    opd_id: str
    code: str
    name: str
    region: str
    timezone: str
    target: int
    submitted: int = 0
    sent_back: int = 0
    rejected: int = 0
    published: int = 0
    median_hours_to_publish: float | None = None

    @property
    def shortfall(self) -> int:
        return max(self.target - self.published, 0)

    @property
    def behind(self) -> bool:
        return self.published < self.target

    @property
    def sent_back_share(self) -> float | None:
        return round(self.sent_back / self.submitted, 4) if self.submitted else None


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in month.split("-"))
        datetime(year, number, 1, tzinfo=UTC)
    except ValueError as exc:
        raise BadMonth(month) from exc
    if len(month) != 7:
        raise BadMonth(month)
    return year, number


def utc_window(month: str) -> tuple[datetime, datetime]:
    """A UTC range that holds the month in every Indonesian zone (filtered exactly later)."""
    year, number = parse_month(month)
    try:
        start = datetime(year, number, 1, tzinfo=UTC)
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
        return start - _MARGIN, end + _MARGIN
    except (OverflowError, ValueError) as exc:
        raise BadMonth(month) from exc


def local_month(moment: datetime, timezone: str) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone_of(timezone)[0]).strftime("%Y-%m")


def tally(month: str, opds: list[dict[str, Any]], articles: list[dict[str, Any]]
          ) -> list[OpdMonth]:
    """Every known OPD (and any that reported without being known), behind-most first."""
    known = {o["_id"]: o for o in opds}
    for article in articles:
        ref = article["opd"]
        known.setdefault(ref["id"], {"_id": ref["id"], **ref})
    mine: dict[str, list[dict[str, Any]]] = {opd_id: [] for opd_id in known}
    for article in articles:
        opd = known[article["opd"]["id"]]
        if local_month(article["received_at"], opd["timezone"]) == month:
            mine[opd["_id"]].append(article)
    rows = [_row(opd, mine[opd_id]) for opd_id, opd in known.items()]
    return sorted(rows, key=lambda r: (-r.shortfall, r.published - r.target, r.code))


def _row(opd: dict[str, Any], articles: list[dict[str, Any]]) -> OpdMonth:
    published = [a for a in articles if a.get("published_at")]
    hours = [(_aware(a["published_at"]) - _aware(a["received_at"])).total_seconds() / 3600
             for a in published]
    return OpdMonth(
        opd_id=opd["_id"], code=opd["code"], name=opd["name"], region=opd.get("region", ""),
        timezone=opd["timezone"], target=int(opd.get("monthly_target", DEFAULT_MONTHLY_TARGET)),
        submitted=len(articles),
        sent_back=sum(1 for a in articles if any(
            h.get("action") == SENT_BACK_ACTION for h in a.get("history", []))),
        rejected=sum(1 for a in articles if a.get("status") == "rejected"),
        published=len(published),
        median_hours_to_publish=round(statistics.median(hours), 2) if hours else None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
