"""Use cases on an article's content: edit (text, per-channel texts), photos' captions, credits
and alt texts, restoring an earlier version, and comments (which leave the content alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.editorial import claims, domain
from services.editorial.comment_repository import CommentRepository
from services.editorial.diff import diff
from services.editorial.domain import Action, Editable
from services.editorial.handlers import Decisions
from shared.auth import Principal
from shared.mongo import Document


class VersionNotFound(Exception):
    pass


@dataclass
class Edits:
    decisions: Decisions
    comments: CommentRepository

    async def edit(self, article_id: str, if_match: int, changes: Editable, editor: Principal
                   ) -> Document:
        return await self._change(article_id, if_match, Action.EDIT, editor, changes.changes)

    async def photos(self, article_id: str, if_match: int,
                     changes: dict[str, dict[str, str | None]], editor: Principal) -> Document:
        return await self._change(article_id, if_match, Action.EDIT, editor, lambda article: {
            "attachments": domain.photos_changed(article.get("attachments") or [], changes)})

    async def restore(self, article_id: str, version: int, if_match: int, editor: Principal
                      ) -> Document:
        """The content of `version` becomes a new version (history is never rewritten)."""
        article = await self.decisions.load(article_id)
        snapshot = await self.decisions.articles.versions.one(article, version)
        if snapshot is None:
            raise VersionNotFound(version)
        content = domain.content_of(snapshot)
        return await self._change(article_id, if_match, Action.RESTORE, editor,
                                  lambda _: content, note=f"restored version {version}")

    async def versions(self, article_id: str) -> list[Document]:
        return await self.decisions.articles.versions.of(await self.decisions.load(article_id))

    async def diff(self, article_id: str, before: int, after: int) -> dict[str, Any]:
        article = await self.decisions.load(article_id)
        store = self.decisions.articles.versions
        old, new = await store.one(article, before), await store.one(article, after)
        if old is None or new is None:
            raise VersionNotFound(before if old is None else after)
        return {"from": before, "to": after, **diff(old, new)}

    async def comment(self, article_id: str, text: str, editor: Principal) -> Document:
        await self.decisions.checked(article_id, Action.COMMENT)
        return await self.comments.add(article_id, editor.subject, text)

    async def comments_of(self, article_id: str) -> list[Document]:
        await self.decisions.load(article_id)
        return await self.comments.of(article_id)

    async def _change(self, article_id: str, if_match: int, action: Action, editor: Principal,
                      fields_of: Callable[[Document], dict[str, Any]], *,
                      note: str | None = None) -> Document:
        """Needs the editor's own claim, renews it, and clears the ready flag."""
        decisions = self.decisions
        article = await decisions.checked(article_id, action, if_match)
        claims.check_may_change(article, editor.subject, decisions.clock())
        fields = {**fields_of(article), "claim": decisions.claim_for(editor), "ready": None}
        return await decisions.commit(article, editor, action, fields, [], note=note,
                                      snapshot=True)
