"""Values that are part of Warta's contract, defined once: statuses, channels, zones, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

LOCALE = "id_ID"  # month and day names come from CLDR, not from a table of ours


class ArticleStatus(StrEnum):
    """A report's status as the OPD sees it, and the article's in editorial."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    REVISION_REQUESTED = "revision_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    CORRECTED = "corrected"
    TAKEN_DOWN = "taken_down"
    WITHDRAWN = "withdrawn"


class Channel(StrEnum):
    """Where an approved article can be published; which are configured is the publisher's."""

    WEBSITE = "website"
    FEED = "feed"
    TELEGRAM = "telegram"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"


# In this order: editors' choices are stored, and shown, in it.
CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)


class ChannelHealth(StrEnum):
    """A channel's health as the publisher's last check or post saw it (shared by every replica)."""

    UNKNOWN = "unknown"
    HEALTHY = "healthy"
    NEEDS_RECONNECT = "needs_reconnect"  # its queue is paused until an admin fixes it
    UNREACHABLE = "unreachable"  # the check could not reach it; posts keep their backoff
    OFF = "off"  # an admin turned the channel off


class NotificationChannel(StrEnum):
    """How a journalist is told about an article."""

    EMAIL = "email"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    WEBHOOK = "webhook"


class ZoneLabel(StrEnum):
    """What Indonesians write after a time; an OPD is registered with one of them."""

    WIB = "WIB"
    WITA = "WITA"
    WIT = "WIT"


@dataclass(frozen=True)
class Zone:
    label: ZoneLabel
    iana: str
    name: str


ZONES: tuple[Zone, ...] = (
    Zone(ZoneLabel.WIB, "Asia/Jakarta", "Waktu Indonesia Barat"),
    Zone(ZoneLabel.WITA, "Asia/Makassar", "Waktu Indonesia Tengah"),
    Zone(ZoneLabel.WIT, "Asia/Jayapura", "Waktu Indonesia Timur"),
)
# Where nothing says otherwise (a journalist without a zone preference): the capital's zone.
DEFAULT_ZONE = ZoneLabel.WIB
IANA_BY_LABEL: dict[str, str] = {zone.label.value: zone.iana for zone in ZONES}
# Other IANA names that tzdata keeps for the same three offsets (old and regional names).
_LABEL_BY_IANA: dict[str, str] = {
    **{zone.iana: zone.label.value for zone in ZONES},
    "Asia/Pontianak": ZoneLabel.WIB.value, "Asia/Ujung_Pandang": ZoneLabel.WITA.value,
}

# Babel patterns: "Senin, 30 November 2026 pukul 10.00" and "30 November 2026 10:00".
WITH_WEEKDAY = "EEEE, d MMMM y 'pukul' HH.mm"
DATE_AND_TIME = "d MMMM y HH:mm"
# The report categories an OPD picks from (ingest's default WARTA_REPORT_CATEGORIES).
REPORT_CATEGORIES: tuple[str, ...] = (
    "pemerintahan", "pendidikan", "kesehatan", "ekonomi", "infrastruktur", "sosial", "budaya",
    "pariwisata", "lingkungan", "pertanian", "keamanan", "olahraga", "lainnya",
)


def zone_of(timezone: str) -> tuple[ZoneInfo, str]:
    """An IANA name or WIB/WITA/WIT -> (zone, label); an unknown zone is shown in UTC."""
    name = IANA_BY_LABEL.get(timezone.strip().upper(), timezone.strip())
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), "UTC"
    return zone, _LABEL_BY_IANA.get(name, name)


def format_local(moment: datetime, timezone: str, pattern: str = WITH_WEEKDAY) -> str:
    """The moment in the zone's local time, in Indonesian, followed by the zone's label."""
    zone, label = zone_of(timezone)
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone)
    return f"{format_datetime(local, pattern, tzinfo=zone, locale=LOCALE)} {label}"


def article_url(website_base_url: str, article_id: str) -> str:
    """An article's public page on the website: the link every channel's text carries."""
    return f"{website_base_url.rstrip('/')}/berita/{article_id}"
