"""A fan-out message's parts of its own per recipient: RSVP links and calendar of a coverage
invitation, the proof-of-publication link of a partner's press release.

Every link is a signed single-purpose token whose expiry derives from the delivery's creation,
and the calendar's DTSTAMP from the approval: a delivery sent again (after a crash) carries the
same links and the same calendar, so it is the same message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.notifier.domain import Kind
from services.notifier.invitation_calendar import (
    activity_of,
    calendar,
    domain_of,
    with_attendee,
)
from services.notifier.partner_proofs import proof_link
from services.notifier.rsvp_api import rsvp_link
from shared.envelope import utcnow
from shared.mongo import Database, Document
from shared.settings import Settings

PARTNER = "_partner"  # set on a batch's journalist documents (in memory, never stored)


def invitation_sequence(article: Document) -> int:
    """The SEQUENCE of the calendar entry as last announced (0 until a change)."""
    return int((article.get("invitation_state") or {}).get("sequence", 0))


def first_calendar(article: Document, sender: str) -> bytes:
    """The invitation's calendar (METHOD:REQUEST) without attendee, rendered once a batch."""
    approved = article["approved"]
    stamp = (approved.get("event") or {}).get("occurred_at")
    return calendar(activity_of(article, sender), method="REQUEST",
                    sequence=invitation_sequence(article), domain=domain_of(sender),
                    attendee=None, now=_aware(stamp) if stamp else datetime.fromtimestamp(0, UTC))


def recipient_calendar(ics: bytes | None, email: str) -> bytes | None:
    return with_attendee(ics, email) if ics is not None else None


def issued_at(record: Document) -> datetime:
    """When a record's links are signed from: its creation (older records: now)."""
    return _aware(record.get("created_at") or utcnow())


def rsvp_page(settings: Settings, delivery: Document) -> str:
    """The RSVP page of an invitation's delivery (WhatsApp and Telegram carry one link; the
    page asks hadir or tidak hadir), signed from the delivery's creation like the email's."""
    issued = issued_at(delivery)
    return rsvp_link(settings, delivery["journalist_id"], delivery["article_id"],
                     issued_at=issued)


def recipient_links(settings: Settings, delivery: Document, journalist: Document
                    ) -> dict[str, str]:
    """Recipient fields of `emails.Recipient` for this delivery (none for other kinds)."""
    # A record without its creation time (older than it) gets links signed now.
    kind, issued = Kind(delivery["kind"]), issued_at(delivery)
    journalist_id, article_id = delivery["journalist_id"], delivery["article_id"]
    if kind is Kind.INVITATION:
        return {"rsvp_hadir_url": rsvp_link(settings, journalist_id, article_id, "hadir",
                                            issued_at=issued),
                "rsvp_tidak_url": rsvp_link(settings, journalist_id, article_id,
                                            "tidak_hadir", issued_at=issued)}
    if kind is Kind.PRESS_RELEASE and journalist.get(PARTNER):
        return {"proof_url": proof_link(settings, journalist_id, article_id,
                                        issued_at=issued)}
    return {}


class PartnerJournalists:
    """Which of a batch's journalists belong to a partner outlet: one read per batch."""

    def __init__(self, db: Database) -> None:
        self.outlets = db["partner_outlets"]

    async def mark(self, batch: list[Document], journalists: dict[str, Document]) -> None:
        wanted = list({d["journalist_id"] for d in batch
                       if d["kind"] == Kind.PRESS_RELEASE.value and d["journalist_id"]
                       in journalists})
        if not wanted:
            return
        async for outlet in self.outlets.find({"journalist_ids": {"$in": wanted}},
                                              {"journalist_ids": 1}):
            for journalist_id in outlet.get("journalist_ids", []):
                if journalist_id in journalists:
                    journalists[journalist_id][PARTNER] = True


def _aware(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment
