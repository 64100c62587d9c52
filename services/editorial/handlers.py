"""Use cases driven by editors: claim, edit, comment, send back, reject, approve, correct,
take down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.editorial import domain
from services.editorial.domain import Action, Editable, Status
from services.editorial.repository import ArticleRepository
from shared.auth import Principal
from shared.envelope import Envelope, root_event, utcnow
from shared.events import articles as ev
from shared.mongo import Document

SOURCE = "editorial"


class ArticleNotFound(Exception):
    pass


class VersionConflict(Exception):
    """Someone changed the article since the version the editor saw."""


@dataclass
class Decisions:
    articles: ArticleRepository
    relay: Callable[[str], Awaitable[int]]
    clock: Callable[[], datetime] = field(default=utcnow)

    async def load(self, article_id: str) -> Document:
        article = await self.articles.get(article_id)
        if article is None:
            raise ArticleNotFound(article_id)
        return article

    async def claim(self, article_id: str, editor: Principal) -> Document:
        article = await self._checked(article_id, Action.CLAIM)
        event = self._event(article, ev.ARTICLE_CLAIMED, ev.ArticleClaimedV1, editor)
        return await self._commit(article, editor, Action.CLAIM, {
            "status": Status.IN_REVIEW.value, "assignee": editor.subject}, [event])

    async def edit(self, article_id: str, if_match: int, changes: Editable, editor: Principal
                   ) -> Document:
        article = await self._checked(article_id, Action.EDIT, if_match)
        return await self._commit(article, editor, Action.EDIT, changes.changes(), [],
                                  snapshot=True)

    async def comment(self, article_id: str, text: str, editor: Principal) -> Document:
        article = await self._checked(article_id, Action.COMMENT)
        return await self._commit(article, editor, Action.COMMENT, {}, [], note=text)

    async def request_revision(self, article_id: str, reason: str, editor: Principal
                               ) -> Document:
        article = await self._checked(article_id, Action.REQUEST_REVISION)
        event = self._event(article, ev.ARTICLE_REVISION_REQUESTED,
                            ev.ArticleRevisionRequestedV1, editor, reason=reason)
        return await self._commit(article, editor, Action.REQUEST_REVISION, {
            "status": Status.REVISION_REQUESTED.value}, [event], note=reason)

    async def reject(self, article_id: str, reason: str, editor: Principal) -> Document:
        article = await self._checked(article_id, Action.REJECT)
        event = self._event(article, ev.ARTICLE_REJECTED, ev.ArticleRejectedV1, editor,
                            reason=reason)
        return await self._commit(article, editor, Action.REJECT, {
            "status": Status.REJECTED.value}, [event], note=reason)

    async def approve(self, article_id: str, channels: list[str], publish_at: datetime | None,
                      editor: Principal) -> Document:
        article = await self._checked(article_id, Action.APPROVE)
        chosen = domain.check_channels(channels)
        status = domain.status_after_approval(publish_at, self.clock())
        event = self._event(article, ev.ARTICLE_APPROVED, ev.ArticleApprovedV1, editor,
                            **_content(article), channels=chosen, publish_at=publish_at)
        return await self._commit(article, editor, Action.APPROVE, {
            "status": status.value, "channels": chosen, "publish_at": publish_at,
            "approved_by": editor.subject}, [event])

    async def correct(self, article_id: str, changes: Editable, note: str, editor: Principal
                      ) -> Document:
        article = await self._checked(article_id, Action.CORRECT)
        corrected = {**article, **changes.changes()}
        event = self._event(article, ev.ARTICLE_CORRECTED, ev.ArticleCorrectedV1, editor,
                            **_content(corrected), channels=article.get("channels", []),
                            publish_at=None, correction_note=note)
        return await self._commit(article, editor, Action.CORRECT, {
            **changes.changes(), "status": Status.CORRECTED.value}, [event], note=note,
            snapshot=True)

    async def take_down(self, article_id: str, reason: str, editor: Principal) -> Document:
        article = await self._checked(article_id, Action.TAKE_DOWN)
        event = self._event(article, ev.ARTICLE_TAKEN_DOWN, ev.ArticleTakenDownV1, editor,
                            reason=reason)
        return await self._commit(article, editor, Action.TAKE_DOWN, {
            "status": Status.TAKEN_DOWN.value}, [event], note=reason)

    async def _checked(self, article_id: str, action: Action, if_match: int | None = None
                       ) -> Document:
        article = await self.load(article_id)
        if if_match is not None and if_match != article["version"]:
            raise VersionConflict(article["version"])
        domain.check_allowed(action, Status(article["status"]))
        return article

    def _event(self, article: Document, type_: str, model: type[ev.ArticleDecision],
               editor: Principal,
               **fields: Any) -> Envelope:
        data = model(article_id=article["_id"], report_id=article["report_id"],
                     opd_id=article["opd"]["id"], editor=editor.subject,
                     article_version=article["version"] + 1, decided_at=self.clock(), **fields)
        return root_event(type=type_, version=1, source=SOURCE, subject=article["_id"],
                          data=data, correlation_id=article["report_id"])

    async def _commit(self, article: Document, editor: Principal, action: Action,
                      fields: dict[str, Any], events: list[Envelope], *, note: str | None = None,
                      snapshot: bool = False) -> Document:
        history = {"action": action.value, "by": editor.subject, "note": note}
        changed = await self.articles.change(article["_id"], article["version"], fields=fields,
                                             history=history, events=events, snapshot=snapshot)
        if not changed:
            raise VersionConflict(article["version"])
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
    }
