"""Pure rules of the agenda: scheduled publications (embargoes) and upcoming activities (press
invitations), by day in a given zone; and what a change of schedule may be. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.agenda import CLOSED, AgendaRefused, by_day, window

__all__ = ["CLOSED", "AgendaRefused", "by_day", "check_cancellable", "check_new_embargo",
           "invitation_at", "window"]


def invitation_at(content: dict[str, Any]) -> datetime | None:
    """The press invitation's start as a moment (the article keeps it as event JSON)."""
    invitation = content.get("press_invitation")
    if not invitation:
        return None
    starts = invitation["starts_at"]
    moment = starts if isinstance(starts, datetime) else datetime.fromisoformat(starts)
    return moment.astimezone(UTC)


def check_new_embargo(status: str, publish_at: datetime, now: datetime) -> None:
    if status != "scheduled":
        raise AgendaRefused(f"Hanya berita terjadwal (scheduled) yang bisa dijadwal ulang; "
                            f"artikel ini berstatus {status}.")
    if publish_at <= now:
        raise AgendaRefused("Waktu tayang baru harus di masa depan.")


def check_cancellable(status: str) -> None:
    if status != "scheduled":
        raise AgendaRefused(f"Hanya jadwal tayang (scheduled) yang bisa dibatalkan; artikel ini "
                            f"berstatus {status}.")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
