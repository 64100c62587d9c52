"""Articles in editorial's own database (the accounts: `account_repository`).

An article is one document: its content, status, `version` (bumped by every change: the
concurrency check), `content_version` (bumped by a change of content: what If-Match and the
versions refer to), its claim, the decision history, the ids of events applied to it and its
outbox. Every change is one conditional single-document update on `_id` + `version`, so a
concurrent change or a redelivered event cannot overwrite a newer state. Full snapshots of its
content live in `version_repository`; comments in `comment_repository`.
"""

from __future__ import annotations

import re
from typing import Any

from services.editorial.domain import content_changed, content_of
from services.editorial.version_repository import VersionRepository
from shared.envelope import Envelope, utcnow
from shared.idempotency import APPLIED_FIELD, insert_once
from shared.mongo import DESCENDING, Database, Document, update_one
from shared.outbox import versioned_change

LIST_HIDDEN = {"outbox": 0, "versions": 0, "version_index": 0, "history": 0, APPLIED_FIELD: 0,
               "body_html": 0}


class ArticleRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["articles"]
        self.versions = VersionRepository(db)

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("status", 1), ("_id", DESCENDING)])
        await self.versions.ensure_indexes()

    async def add(self, document: Document) -> bool:
        """Insert a new article with its first snapshot; False if it exists (a redelivered
        report.submitted: its snapshot, under the same id, is rewritten with the same content)."""
        by = (document.get("history") or [{}])[0].get("by", "")
        at = document.get("created_at") or utcnow()
        snapshot = await self.versions.write(document["_id"], 1, content_of(document), by=by,
                                             at=at, snapshot_id=f"{document['_id']}:1")
        return await insert_once(self.collection, {
            **document, "content_version": 1, "content_changed_by": by,
            "version_index": [{"version": 1, "snapshot": snapshot, "at": at, "by": by}]})

    async def get(self, article_id: str) -> Document | None:
        return await self.collection.find_one({"_id": article_id}, {"outbox": 0})

    async def search(
        self, *, status: str | None, opd: str | None, q: str | None, limit: int,
        before: str | None, ready: bool | None = None,
    ) -> list[Document]:
        query: dict[str, Any] = {}
        if status:
            query["status"] = status
        if opd:
            query["opd.code"] = opd
        if q:
            query["headline"] = {"$regex": re.escape(q), "$options": "i"}
        if ready is not None:
            query["ready"] = {"$ne": None} if ready else None
        if before:
            query["_id"] = {"$lt": before}
        cursor = self.collection.find(query, LIST_HIDDEN).sort("_id", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def change(
        self, article_id: str, expected_version: int, *, fields: dict[str, Any],
        history: Document, events: list[Envelope], snapshot: bool = False,
        applied_event: str | None = None, content_by: str | None = None,
    ) -> bool:
        """Apply one change if nobody changed the article since `expected_version`.

        `snapshot`: the change may touch the content; if it does, a full snapshot of the new
        content is written first and becomes the next content version in this same update.
        `content_by`: who the content change counts for (the second pair of eyes), when not
        the one in `history` (an OPD amendment counts for the editor who accepted it)."""
        now = utcnow()
        push: dict[str, Any] = {"history": {**history, "at": now}}
        fields = dict(fields)
        if snapshot:
            current = await self.get(article_id)
            if current is None or current["version"] != expected_version:
                return False
            if content_changed(current, fields):
                by = content_by or str(history.get("by", ""))
                number = int(current.get("content_version", 1)) + 1
                snapshot_id = await self.versions.write(
                    article_id, number, content_of({**current, **fields}), by=by, at=now)
                fields.update(content_version=number, content_changed_by=by)
                push["version_index"] = {"version": number, "snapshot": snapshot_id,
                                         "at": now, "by": by}
        query, update = versioned_change(article_id, expected_version, fields, events=events,
                                         push=push, applied_event=applied_event)
        result = await update_one(self.collection, query, update)
        return result.modified_count == 1
