"""Changes of a coverage invitation reach those invited: a correction that moves its time or
place ("Perubahan undangan", METHOD:REQUEST) or drops it (METHOD:CANCEL), same UID, SEQUENCE
bumped (RFC 5546).

What was last announced is kept on the notifier's article (`invitation_state`: its time,
place, SEQUENCE and the article version it came from). A correction's notices are created
(keyed by its version: a redelivery creates nothing twice) before that state moves on by one
conditional update, so a crash in between only repeats the same, idempotent, step.
`article.rescheduled` moves an embargo, not the activity: an embargoed article's invitation
is sent at its publication anyway, so it changes no invitation."""

from __future__ import annotations

import logging
from typing import Any

from services.notifier.invitation_reminders import CANCELLED, CHANGED, InvitationFollowUps
from shared.envelope import Envelope
from shared.events import parse_data
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.mongo import Document, DuplicateKeyError, update_one
from shared.vocabulary import format_local

log = logging.getLogger("warta.notifier.invitations")

DETAILS = ("starts_at", "location", "contact", "notes")


def state_of(invitation: Document, *, sequence: int, version: int) -> Document:
    return {**{k: invitation.get(k) for k in DETAILS}, "sequence": sequence,
            "version": version, "cancelled": False}


def change_of(state: Document, invitation: Document | None) -> str | None:
    """CHANGED (time or place moved), CANCELLED (dropped), or None (nothing to announce)."""
    if invitation is None:
        return CANCELLED
    # At the calendar's resolution (seconds): the database keeps milliseconds only.
    moved = int(invitation["starts_at"].timestamp()) != int(state["starts_at"].timestamp())
    return CHANGED if moved or invitation["location"] != state["location"] else None


class InvitationChanges:
    def __init__(self, follow_ups: InvitationFollowUps) -> None:
        self.follow_ups = follow_ups
        self.articles = follow_ups.db["articles"]

    async def approved(self, envelope: Envelope) -> None:
        """The invitation as first announced (SEQUENCE 0), unless known already."""
        data = parse_data(envelope)
        assert isinstance(data, ArticleApprovedV1)
        if data.press_invitation is None:
            return
        state = state_of(data.press_invitation.model_dump(), sequence=0,
                         version=data.article_version)
        try:
            await update_one(self.articles, {"_id": data.article_id,
                                             "invitation_state": {"$exists": False}},
                             {"$set": {"invitation_state": state}}, upsert=True)
        except DuplicateKeyError:
            return  # known already (a redelivery, or a correction came first)

    async def corrected(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleCorrectedV1)
        article = await self.articles.find_one({"_id": data.article_id}) or {}
        state = article.get("invitation_state") or _before(article, data.article_version)
        new = data.press_invitation.model_dump() if data.press_invitation else None
        if state is None:  # nothing announced that we know of: remembered from now on
            if new is not None:
                await self.approved(envelope)
            return
        if state.get("cancelled") or int(state["version"]) >= data.article_version:
            return  # cancelled already, or this correction (or a later one) was applied
        change = change_of(state, new)
        sequence = int(state["sequence"]) + (1 if change else 0)
        if change:
            await self._announce(data, change, state, new, sequence)
        moved = state_of(new or state, sequence=sequence, version=data.article_version)
        moved["cancelled"] = change == CANCELLED
        await update_one(self.articles, {"_id": data.article_id, "$or": [
            {"invitation_state.version": {"$lt": data.article_version}},
            {"invitation_state": {"$exists": False}}]}, {"$set": {"invitation_state": moved}})

    async def _announce(self, data: ArticleCorrectedV1, change: str, state: Document,
                        new: Document | None, sequence: int) -> None:
        opd = data.opd.model_dump(mode="json")
        shown = new or {k: state.get(k) for k in DETAILS}
        article = {"_id": data.article_id, "taken_down": None, "approved": {
            "headline": data.headline, "opd": opd, "press_invitation": shown}}
        extra: dict[str, Any] = {
            "previous_local": format_local(state["starts_at"], opd["timezone"]),
            "previous_location": state["location"], "correction_note": data.correction_note,
            "reason": data.correction_note if change == CANCELLED else None}
        follow_ups = self.follow_ups
        people = await follow_ups.invited(data.article_id)
        created = await follow_ups.messages.create_many(follow_ups.records(
            change, f"change:v{data.article_version}:{data.article_id}", article, people,
            method="CANCEL" if change == CANCELLED else "REQUEST", sequence=sequence,
            invitation=shown, extra=extra))
        log.info("invitation change announced", extra={
            "article_id": data.article_id, "change": change, "count": created})
        if created:
            follow_ups.wake()


def _before(article: Document, version: int) -> Document | None:
    """No state kept (an article from before it was): the snapshot, if it is older."""
    approved = article.get("approved") or {}
    invitation = approved.get("press_invitation")
    if not invitation or int(approved.get("article_version", version)) >= version:
        return None
    return state_of(invitation, sequence=0, version=int(approved["article_version"]))
