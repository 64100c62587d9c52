"""Calendar files (.ics, RFC 5545/5546) for coverage invitations: request and cancel (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText
from icalendar.parser import Contentline, Parameters, foldline

from shared.vocabulary import zone_of

PRODID = "-//Warta//Undangan Liputan//ID"
DEFAULT_LENGTH = timedelta(hours=2)  # an invitation has a start only


@dataclass(frozen=True)
class Activity:
    article_id: str
    headline: str
    starts_at: datetime
    location: str
    timezone: str  # the OPD's IANA zone: the event shows in local time
    organizer_email: str
    organizer_name: str
    contact: str | None = None
    notes: str | None = None


def uid_of(article_id: str, domain: str) -> str:
    """Stable per article: a change or a cancellation replaces the same calendar entry."""
    return f"undangan-{article_id}@{domain}"


def activity_of(article: dict[str, Any], sender: str,
                invitation: dict[str, Any] | None = None) -> Activity:
    """The activity of a notifier article document (`approved` snapshot); `invitation`
    overrides the snapshot's (a change not recorded there yet)."""
    approved = article["approved"]
    shown = invitation or approved["press_invitation"]
    address = parseaddr(sender)
    return Activity(article_id=article["_id"], headline=approved["headline"],
                    starts_at=shown["starts_at"], location=shown["location"],
                    timezone=approved["opd"]["timezone"], organizer_email=address[1],
                    organizer_name=address[0] or "Warta", contact=shown.get("contact"),
                    notes=shown.get("notes"))


def domain_of(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "warta.localhost"


def with_attendee(ics: bytes, attendee: str) -> bytes:
    """One recipient's copy of a calendar rendered once for a fan-out: their ATTENDEE line
    (RSVP requested) added to the event, folded as RFC 5545 asks."""
    params = Parameters({"ROLE": "REQ-PARTICIPANT", "RSVP": "TRUE"})
    line = foldline(Contentline.from_parts("ATTENDEE", params, f"mailto:{attendee}"))
    return ics.replace(b"END:VEVENT\r\n", f"{line}\r\nEND:VEVENT\r\n".encode(), 1)


def calendar(activity: Activity, *, method: str, sequence: int, domain: str,
             attendee: str | None, now: datetime) -> bytes:
    """METHOD:REQUEST (new or changed: a higher `sequence`) or METHOD:CANCEL."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported METHOD {method}")
    zone, _ = zone_of(activity.timezone)
    start = activity.starts_at.astimezone(zone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", uid_of(activity.article_id, domain))
    event.add("sequence", sequence)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + DEFAULT_LENGTH)
    event.add("summary", f"Undangan liputan: {activity.headline}")
    event.add("location", activity.location)
    description = [f"Narahubung: {activity.contact}" if activity.contact else "",
                   activity.notes or ""]
    event.add("description", "\n".join(line for line in description if line))
    organizer = vCalAddress(f"mailto:{activity.organizer_email}")
    organizer.params["cn"] = vText(activity.organizer_name)
    event["organizer"] = organizer
    if attendee:
        guest = vCalAddress(f"mailto:{attendee}")
        guest.params["role"] = vText("REQ-PARTICIPANT")
        guest.params["rsvp"] = vText("TRUE")
        event.add("attendee", guest, encode=False)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()  # VTIMEZONE for the local zone, so clients show local time
    return bytes(cal.to_ical())
