"""Reminders of a coverage invitation (the day before, a few hours before) and cancellations,
to everyone the invitation reached, each with its calendar file (.ics) at the entry's current
SEQUENCE (invitation_changes.py bumps it)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import datetime, time, timedelta
from typing import Any

from services.notifier.domain import DeliveryState, Kind
from services.notifier.invitation_calendar import activity_of, calendar, domain_of
from services.notifier.invitation_links import invitation_sequence
from services.notifier.own_users_repository import OwnMessages, new_message
from services.notifier.rsvp_api import rsvp_link
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleTakenDownV1
from shared.mongo import Database, Document, DuplicateKeyError, update_one
from shared.settings import Settings
from shared.vocabulary import format_local, zone_of

log = logging.getLogger("warta.notifier.invitations")

REMINDER, CANCELLED = "invitation_reminder", "invitation_cancelled"
CHANGED = "invitation_changed"
LEASE_ID, LEASE = "invitation_reminders", timedelta(seconds=60)


def reminder_moments(starts_at: datetime, timezone: str, day_before_hour: int,
                     hours_before: float) -> dict[str, datetime]:
    """slot -> when it is due: the local day before at the hour, and hours before the start."""
    zone, _ = zone_of(timezone)
    local_day = starts_at.astimezone(zone).date() - timedelta(days=1)
    return {"day_before": datetime.combine(local_day, time(day_before_hour), tzinfo=zone),
            "hours_before": starts_at - timedelta(hours=hours_before)}


class InvitationFollowUps:
    def __init__(self, settings: Settings, db: Database, messages: OwnMessages,
                 wake: Any) -> None:
        self.settings, self.db, self.messages, self.wake = settings, db, messages, wake

    async def invited(self, article_id: str) -> list[Document]:
        ids = await self.db["deliveries"].distinct("journalist_id", {
            "article_id": article_id, "kind": Kind.INVITATION.value,
            "state": DeliveryState.SENT.value})
        return [j async for j in self.db["journalists"].find(
            {"_id": {"$in": ids}, "active": True}, {"name": 1, "email": 1})]

    def records(self, kind: str, key: str, article: Document, people: list[Document], *,
                method: str, sequence: int, invitation: Document | None = None,
                extra: dict[str, Any] | None = None) -> list[Document]:
        """One message per person; `invitation` overrides the snapshot's (a change)."""
        approved, sender = article["approved"], self.settings.smtp_from
        invitation = invitation or approved["press_invitation"]
        opd = approved["opd"]
        activity, domain = activity_of(article, sender, invitation), domain_of(sender)
        context = {"headline": approved["headline"], "opd_name": opd["name"],
                   "location": invitation["location"], "contact": invitation.get("contact"),
                   "starts_local": format_local(invitation["starts_at"], opd["timezone"]),
                   "reason": (article.get("taken_down") or {}).get("reason"), **(extra or {})}
        records = []
        for person in people:
            record = new_message(f"{key}:{person['_id']}", kind, to_email=person["email"],
                                 to_name=person["name"], context={
                                     **context, "rsvp_url": rsvp_link(
                                         self.settings, person["_id"], article["_id"])})
            record["attachment_ics"] = calendar(
                activity, method=method, sequence=sequence, domain=domain,
                attendee=person["email"], now=utcnow()).decode()
            records.append(record)
        return records

    async def run_reminders(self, at: datetime) -> int:
        """Every reminder due at `at` for activities still ahead; each one once."""
        s, created = self.settings, 0
        cursor = self.db["articles"].find({
            "approved.press_invitation.starts_at": {"$gt": at, "$lte": at + timedelta(days=2)},
            "taken_down": None})
        async for article in cursor:
            invitation = article["approved"]["press_invitation"]
            moments = reminder_moments(invitation["starts_at"],
                                       article["approved"]["opd"]["timezone"],
                                       s.notifier_reminder_day_before_hour,
                                       s.notifier_reminder_hours_before)
            # Keyed by the start too: a moved activity is reminded at its new time.
            stamp = int(invitation["starts_at"].timestamp())
            for slot, due in moments.items():
                if due <= at:
                    people = await self.invited(article["_id"])
                    created += await self.messages.create_many(self.records(
                        REMINDER, f"reminder:{slot}:{stamp}:{article['_id']}", article, people,
                        method="REQUEST", sequence=invitation_sequence(article)))
        if created:
            self.wake()
        return created

    async def taken_down(self, envelope: Envelope) -> None:
        """The activity is cancelled for everyone the invitation reached (METHOD:CANCEL)."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleTakenDownV1)
        article = await self.db["articles"].find_one({"_id": data.article_id})
        if article is None or not (article.get("approved") or {}).get("press_invitation"):
            return
        if not article.get("taken_down"):  # the main consumer records it; this one may lead
            article["taken_down"] = {"reason": data.reason}
        state = article.get("invitation_state") or {}
        if state.get("cancelled") and state.get("by") != "take_down":
            return  # cancelled by a correction already: told then
        people = await self.invited(data.article_id)
        # The sequence the cancellation carries is kept with it: a redelivery sends the same.
        sequence = int(state["sequence"]) if state.get("cancelled") else (
            invitation_sequence(article) + 1)
        if await self.messages.create_many(self.records(
                CANCELLED, f"cancel:{data.article_id}", article, people, method="CANCEL",
                sequence=sequence)):
            self.wake()
        await update_one(self.db["articles"], {"_id": data.article_id,
                                               "invitation_state.cancelled": {"$ne": True}},
            {"$set": {"invitation_state.sequence": sequence, "invitation_state.cancelled": True,
                      "invitation_state.by": "take_down"}})

    async def _lease(self, owner: str) -> bool:
        now = utcnow()
        try:
            result = await update_one(self.db["leases"], {"_id": LEASE_ID, "$or": [
                {"holder": owner}, {"until": {"$lt": now}}]},
                {"$set": {"holder": owner, "until": now + LEASE}}, upsert=True)
        except DuplicateKeyError:  # another replica holds it, unexpired
            return False
        return result.matched_count == 1 or result.upserted_id is not None

    async def run_forever(self, interval: float) -> None:
        """One replica at a time (a database lease) checks for due reminders."""
        owner = secrets.token_hex(8)
        while True:
            try:
                if await self._lease(owner):
                    await self.run_reminders(utcnow())
            except Exception as exc:  # the database is away: try at the next tick
                log.warning("reminder check failed", extra={"error": repr(exc)})
            await asyncio.sleep(interval)
