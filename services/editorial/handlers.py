"""Use cases driven by editors: claim, take over, mark ready, send back, reject, approve,
correct, take down (content edits: `content_handlers`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.editorial import approval, claims, domain
from services.editorial.domain import Action, Editable, Status
from services.editorial.repository import ArticleRepository
from shared.auth import Principal
from shared.envelope import Envelope, root_event, utcnow
from shared.events import articles as ev
from shared.mongo import Document

SOURCE = "editorial"
RELEASED = {"claim": None, "ready": None}


class ArticleNotFound(Exception):
    pass


class VersionConflict(Exception):
    """Someone changed the article since the version the editor saw."""


@dataclass
class Decisions:
    articles: ArticleRepository
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)
    claim_minutes: int = 30
    second_eyes: bool = True
    website_base_url: str = "http://127.0.0.1:8000"

    async def load(self, article_id: str) -> Document:
        article = await self.articles.get(article_id)
        if article is None:
            raise ArticleNotFound(article_id)
        return article

    def claim_for(self, who: Principal) -> dict[str, Any]:
        return claims.claim_field(who.subject, self.clock(), self.claim_minutes)

    async def claim(self, article_id: str, editor: Principal) -> Document:
        article = await self.checked(article_id, Action.CLAIM)
        claims.check_claimable(article, editor.subject, self.clock())
        held = claims.claim_of(article)
        renewal = held is not None and held.by == editor.subject and \
            article["status"] == Status.IN_REVIEW.value
        events = [] if renewal else [
            self._event(article, ev.ARTICLE_CLAIMED, ev.ArticleClaimedV1, editor)]
        return await self.commit(article, editor, Action.CLAIM, {
            "status": Status.IN_REVIEW.value, "assignee": editor.subject,
            "claim": self.claim_for(editor), "ready": None}, events)

    async def take_over(self, article_id: str, reason: str, chief: Principal) -> Document:
        """A chief editor takes the claim from whoever holds it (recorded, with the reason)."""
        article = await self.checked(article_id, Action.TAKE_OVER)
        taken = claims.check_take_over(article, chief.subject, self.clock())
        note = f"from {taken.by}: {reason}" if taken else reason
        event = self._event(article, ev.ARTICLE_CLAIMED, ev.ArticleClaimedV1, chief)
        return await self.commit(article, chief, Action.TAKE_OVER, {
            "assignee": chief.subject, "claim": self.claim_for(chief), "ready": None,
            "taken_over": {"from": taken.by if taken else None, "by": chief.subject,
                           "at": self.clock(), "reason": reason}}, [event], note=note)

    async def mark_ready(self, article_id: str, editor: Principal) -> Document:
        """Ready for a chief editor's approval: a flag, not a state; the claim is released."""
        article = await self.checked(article_id, Action.MARK_READY)
        claims.check_may_change(article, editor.subject, self.clock())
        return await self.commit(article, editor, Action.MARK_READY, {
            "claim": None, "ready": {"by": editor.subject, "at": self.clock()}}, [])

    async def request_revision(self, article_id: str, reason: str, editor: Principal
                               ) -> Document:
        article = await self.decidable(article_id, Action.REQUEST_REVISION, editor)
        event = self._event(article, ev.ARTICLE_REVISION_REQUESTED,
                            ev.ArticleRevisionRequestedV1, editor, reason=reason)
        return await self.commit(article, editor, Action.REQUEST_REVISION, {
            "status": Status.REVISION_REQUESTED.value, **RELEASED}, [event], note=reason)

    async def reject(self, article_id: str, reason: str, editor: Principal) -> Document:
        article = await self.decidable(article_id, Action.REJECT, editor)
        event = self._event(article, ev.ARTICLE_REJECTED, ev.ArticleRejectedV1, editor,
                            reason=reason)
        return await self.commit(article, editor, Action.REJECT, {
            "status": Status.REJECTED.value, **RELEASED}, [event], note=reason)

    async def approve(self, article_id: str, channels: list[str], publish_at: datetime | None,
                      editor: Principal, override_reason: str | None = None) -> Document:
        """Refused whole (nothing approved, nothing published) when a chosen channel cannot
        take the article, or when the approver was the last to change its content."""
        article = await self.decidable(article_id, Action.APPROVE, editor)
        chosen = domain.check_channels(channels)
        approval.no_pending_opd_request(article)
        overridden = approval.second_eyes(self.second_eyes, article, editor.subject,
                                          override_reason)
        approval.check_channels_take(article, chosen, self.website_base_url)
        status = domain.status_after_approval(publish_at, self.clock())
        event = self._event(article, ev.ARTICLE_APPROVED, ev.ArticleApprovedV1, editor,
                            **_content(article), channels=chosen, publish_at=publish_at)
        fields: dict[str, Any] = {"status": status.value, "channels": chosen,
                                  "publish_at": publish_at, "approved_by": editor.subject,
                                  **RELEASED}
        if overridden:
            fields["second_eyes_override"] = {"by": editor.subject, "reason": override_reason,
                                              "at": self.clock()}
        note = f"second pair of eyes overridden: {override_reason}" if overridden else None
        return await self.commit(article, editor, Action.APPROVE, fields, [event], note=note)

    async def correct(self, article_id: str, changes: Editable, note: str, editor: Principal
                      ) -> Document:
        article = await self.checked(article_id, Action.CORRECT)
        corrected = {**article, **changes.changes(article)}
        event = self._event(article, ev.ARTICLE_CORRECTED, ev.ArticleCorrectedV1, editor,
                            **_content(corrected), channels=article.get("channels", []),
                            publish_at=None, correction_note=note)
        return await self.commit(article, editor, Action.CORRECT, {
            **changes.changes(article), "status": Status.CORRECTED.value}, [event], note=note,
            snapshot=True)

    async def take_down(self, article_id: str, reason: str, editor: Principal) -> Document:
        article = await self.checked(article_id, Action.TAKE_DOWN)
        event = self._event(article, ev.ARTICLE_TAKEN_DOWN, ev.ArticleTakenDownV1, editor,
                            reason=reason)
        return await self.commit(article, editor, Action.TAKE_DOWN, {
            "status": Status.TAKEN_DOWN.value}, [event], note=reason)

    async def checked(self, article_id: str, action: Action, if_match: int | None = None
                      ) -> Document:
        """The article, if the action fits its state; `if_match` is its content version."""
        article = await self.load(article_id)
        current = int(article.get("content_version", 1))
        if if_match is not None and if_match != current:
            raise VersionConflict(current)
        domain.check_allowed(action, Status(article["status"]))
        return article

    async def decidable(self, article_id: str, action: Action, editor: Principal) -> Document:
        article = await self.checked(article_id, action)
        claims.check_may_decide(article, editor.subject, self.clock())
        return article

    def _event(self, article: Document, type_: str, model: type[ev.ArticleDecision],
               editor: Principal, **fields: Any) -> Envelope:
        data = model(article_id=article["_id"], report_id=article["report_id"],
                     opd_id=article["opd"]["id"], editor=editor.subject,
                     article_version=article["version"] + 1, decided_at=self.clock(), **fields)
        return root_event(type=type_, version=1, source=SOURCE, subject=article["_id"],
                          data=data, correlation_id=article["report_id"])

    async def commit(self, article: Document, editor: Principal, action: Action,
                     fields: dict[str, Any], events: list[Envelope], *, note: str | None = None,
                     snapshot: bool = False) -> Document:
        history = {"action": action.value, "by": editor.subject, "note": note}
        changed = await self.articles.change(article["_id"], article["version"], fields=fields,
                                             history=history, events=events, snapshot=snapshot)
        if not changed:
            raise VersionConflict(int(article.get("content_version", 1)))
        if events:
            await self.relay(article["_id"])
        return await self.load(article["_id"])


def _content(article: Document) -> dict[str, Any]:
    """The article content every downstream consumer needs, as event fields."""
    return {
        "opd": article["opd"], "headline": article["headline"], "body_html": article["body_html"],
        "summary": article.get("summary"), "category": article["category"],
        "tags": article.get("tags", []), "attachments": article.get("attachments", []),
        "press_invitation": article.get("press_invitation"),
        "activity_at": article.get("activity_at"), "location": article.get("location"),
        "channel_texts": article.get("channel_texts") or {},
    }
