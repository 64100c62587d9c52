"""Preferences that shape what a journalist gets (pure): regions followed, channels switched off,
and quiet hours for WhatsApp and Telegram in the journalist's zone (WIB/WITA/WIT)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from services.notifier.domain import URGENT_KINDS, Kind
from shared.mongo import Document
from shared.vocabulary import DEFAULT_ZONE, zone_of

QUIET_CHANNELS = frozenset({"whatsapp", "telegram"})


def region_key(region: str) -> str:
    """What two spellings of one region share: "kota  Bandung " is "Kota Bandung"."""
    return " ".join(region.split()).casefold()


def normalize_regions(regions: Sequence[str]) -> list[str]:
    """Regions as stored: whitespace collapsed, empty ones and repeats (by key) dropped."""
    kept: dict[str, str] = {}
    for region in regions:
        shown = " ".join(region.split())
        if shown:
            kept.setdefault(region_key(shown), shown)
    return list(kept.values())


def wants_region(journalist: Document, region: str | None) -> bool:
    """An empty list follows every region (as for OPDs and categories); an OPD's `region` as
    the article event carries it (`opd.region`) is compared by its key."""
    wanted = {region_key(r) for r in journalist.get("regions") or [] if isinstance(r, str)}
    return not wanted or region_key(region or "") in wanted


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, start: str, end: str, zone: str) -> datetime | None:
    """The end of the quiet window `now` falls in (UTC), or None outside it. A window may
    cross midnight (21:00-06:00)."""
    tz, _ = zone_of(zone)
    local = now.astimezone(tz)
    begins, ends = _clock(start), _clock(end)
    if begins == ends:
        return None
    today = local.date()
    for day in (today - timedelta(days=1), today):
        opened = datetime.combine(day, begins, tz)
        closed = datetime.combine(day if ends > begins else day + timedelta(days=1), ends, tz)
        if opened <= local < closed:
            return closed.astimezone(UTC)
    return None


def apply(record: Document, journalist: Document, now: datetime) -> Document | None:
    """The record as preferences want it, or None when the journalist switched it off.
    Corrections and withdrawals are urgent: quiet hours never hold them back."""
    preferences = journalist.get("preferences") or {}
    if (preferences.get("channels") or {}).get(record["channel"]) is False:
        return None
    quiet = preferences.get("quiet_hours")
    if quiet and record["channel"] in QUIET_CHANNELS and Kind(record["kind"]) not in URGENT_KINDS:
        until = quiet_until(now, quiet["start"], quiet["end"], quiet.get("zone", DEFAULT_ZONE))
        if until is not None:
            return {**record, "next_attempt_at": until, "held_for_quiet_hours": True}
    return record
