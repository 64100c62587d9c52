"""When a journalist's daily digest is due (pure): the next local hour they chose, in their zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from services.notifier.domain import Kind
from shared.mongo import Document
from shared.vocabulary import DEFAULT_ZONE, zone_of

INSTANT, DAILY = "instant", "daily"


def delivery_of(journalist: Document) -> Document:
    """The journalist's delivery preference: {mode, hour, zone} (instant when never set)."""
    chosen = (journalist.get("preferences") or {}).get("delivery") or {}
    return {"mode": chosen.get("mode", INSTANT), "hour": int(chosen.get("hour", 7)),
            "zone": chosen.get("zone", DEFAULT_ZONE)}


def waits_for_digest(kind: Kind, journalist: Document) -> bool:
    """Only press releases wait: corrections, take-downs and invitations never do."""
    return kind is Kind.PRESS_RELEASE and delivery_of(journalist)["mode"] == DAILY


def next_digest_at(now: datetime, hour: int, zone: str) -> datetime:
    """The first moment strictly after `now` that is `hour`:00 local time in `zone` (UTC)."""
    tz, _ = zone_of(zone)
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), time(hour), tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour), tz)
    return candidate.astimezone(UTC)


def digest_id(journalist_id: str, due_at: datetime) -> str:
    """One digest per journalist and due moment: the `_id`, so it is created once."""
    return f"{journalist_id}:{due_at.astimezone(UTC).strftime('%Y%m%dT%H%MZ')}"
