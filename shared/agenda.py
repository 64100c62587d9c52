"""The agenda's shape, shared by editorial (the desk's) and ingest (an OPD's own): a window of
local days, and items grouped by local day. Pure; no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date

from shared.vocabulary import LOCALE, zone_of

CLOSED = frozenset({"rejected", "withdrawn", "taken_down"})  # off the agenda
MAX_DAYS = 92


class AgendaRefused(Exception):
    """A window or a schedule change that cannot be done as asked; the message says why."""


def window(start: date, end: date, timezone: str) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the zone, as UTC."""
    if end < start:
        raise AgendaRefused("'to' harus sama dengan atau setelah 'from'.")
    if (end - start).days >= MAX_DAYS:
        raise AgendaRefused(f"Rentang agenda paling lama {MAX_DAYS} hari.")
    zone, _ = zone_of(timezone)
    try:
        first = datetime.combine(start, time(), zone).astimezone(UTC)
        last = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    except (OverflowError, ValueError) as exc:  # the calendar's very edge
        raise AgendaRefused("Tanggal di luar rentang yang didukung.") from exc
    return first, last


def by_day(items: list[dict[str, Any]], timezone: str) -> list[dict[str, Any]]:
    """Items (each with `at`) grouped by local day, in time order; days without items left out."""
    zone, label = zone_of(timezone)
    days: dict[date, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda i: (_aware(i["at"]), i.get("article_id", ""),
                                             i.get("report_id", ""))):
        local = _aware(item["at"]).astimezone(zone)
        days.setdefault(local.date(), []).append({**item, "local_time": local.strftime(
            "%H.%M") + f" {label}"})
    return [{"date": day.isoformat(),
             "label": format_date(day, "EEEE, d MMMM y", locale=LOCALE), "items": entries}
            for day, entries in days.items()]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
