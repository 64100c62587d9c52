"""The .ics of a coverage invitation: METHOD, stable UID, local time zone, cancellation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from services.notifier.invitation_calendar import Activity, calendar

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
ACTIVITY = Activity(article_id="a-1", headline="Vaksinasi massal", location="Aula Balai Kota",
                    starts_at=datetime(2026, 12, 3, 1, 30, tzinfo=UTC),
                    timezone="Asia/Makassar", organizer_email="humas@kominfo.example",
                    organizer_name="Diskominfo", contact="Rina 0812-0000-1111")


def parsed(raw: bytes) -> tuple[Calendar, dict[str, object]]:
    cal = Calendar.from_ical(raw)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_a_request_is_in_local_time_with_a_stable_uid() -> None:
    first = calendar(ACTIVITY, method="REQUEST", sequence=0, domain="kominfo.example",
                     attendee="andi@media.example", now=NOW)
    changed = calendar(ACTIVITY, method="REQUEST", sequence=1, domain="kominfo.example",
                       attendee="budi@media.example", now=NOW)
    cal, event = parsed(first)
    assert str(cal["method"]) == "REQUEST"
    start = event["dtstart"].dt  # type: ignore[attr-defined]
    assert str(start.tzinfo) == "Asia/Makassar" and (start.hour, start.minute) == (9, 30)
    assert [c.name for c in cal.walk("VTIMEZONE")] == ["VTIMEZONE"]
    assert b"TZID=Asia/Makassar" in first
    assert "Rina 0812-0000-1111" in str(event["description"])
    assert str(event["attendee"]) == "mailto:andi@media.example"
    assert parsed(changed)[1]["uid"] == event["uid"] == "undangan-a-1@kominfo.example"
    assert int(parsed(changed)[1]["sequence"]) == 1  # type: ignore[call-overload]


def test_a_cancellation_replaces_the_same_entry() -> None:
    raw = calendar(ACTIVITY, method="CANCEL", sequence=2, domain="kominfo.example",
                   attendee=None, now=NOW)
    cal, event = parsed(raw)
    assert str(cal["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
    assert event["uid"] == "undangan-a-1@kominfo.example"
    with pytest.raises(ValueError, match="METHOD"):
        calendar(ACTIVITY, method="PUBLISH", sequence=0, domain="d", attendee=None, now=NOW)
