"""Articles in editorial's own database (the accounts: `account_repository`).

An article is one document: its content, status, `version` (bumped by every change), embedded
content snapshots (`versions`), the decision history, the ids of events applied to it and its
outbox. Every change is one conditional single-document update on `_id` + `version`, so a
concurrent change or a redelivered event cannot overwrite a newer state.
"""

from __future__ import annotations

import re
from typing import Any

from shared.envelope import Envelope, utcnow
from shared.idempotency import APPLIED_FIELD, insert_once
from shared.mongo import DESCENDING, Database, Document, update_one
from shared.outbox import versioned_change


class ArticleRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["articles"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("status", 1), ("_id", DESCENDING)])

    async def add(self, document: Document) -> bool:
        """Insert a new article; False if it exists (a redelivered report.submitted)."""
        return await insert_once(self.collection, document)

    async def get(self, article_id: str) -> Document | None:
        return await self.collection.find_one({"_id": article_id}, {"outbox": 0})

    async def search(
        self, *, status: str | None, opd: str | None, q: str | None, limit: int,
        before: str | None,
    ) -> list[Document]:
        query: dict[str, Any] = {}
        if status:
            query["status"] = status
        if opd:
            query["opd.code"] = opd
        if q:
            query["headline"] = {"$regex": re.escape(q), "$options": "i"}
        if before:
            query["_id"] = {"$lt": before}
        projection = {"outbox": 0, "versions": 0, "history": 0, APPLIED_FIELD: 0, "body_html": 0}
        cursor = self.collection.find(query, projection).sort("_id", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def change(
        self, article_id: str, expected_version: int, *, fields: dict[str, Any],
        history: Document, events: list[Envelope], snapshot: bool = False,
        applied_event: str | None = None,
    ) -> bool:
        """Apply one change if nobody changed the article since `expected_version`."""
        now = utcnow()
        push: dict[str, Any] = {"history": {**history, "at": now}}
        if snapshot:
            push["versions"] = _snapshot(fields, expected_version + 1, now, history)
        query, update = versioned_change(article_id, expected_version, fields, events=events,
                                         push=push, applied_event=applied_event)
        result = await update_one(self.collection, query, update)
        return result.modified_count == 1


def _snapshot(fields: dict[str, Any], version: int, at: Any, history: Document) -> Document:
    keys = ("headline", "body_html", "summary", "category", "tags")
    content: dict[str, Any] = {k: fields[k] for k in keys if k in fields}
    return {"version": version, "at": at, "by": history.get("by"), **content}
