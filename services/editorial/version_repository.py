"""Full content snapshots of articles (the `article_versions` collection), one per version.

A snapshot is written before the article update that makes it current, under an id of its own;
the article's `version_index` names the snapshot of each of its versions, in the same
conditional update that bumps `content_version`. A snapshot whose update lost a race (or whose
writer crashed) is named by no article: it is never shown, and never overwrites the winner's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.envelope import new_id
from shared.mongo import ASCENDING, Database, Document


class VersionRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["article_versions"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("article_id", ASCENDING), ("version", ASCENDING)])

    async def write(self, article_id: str, version: int, content: dict[str, Any], *, by: str,
                    at: datetime, snapshot_id: str | None = None) -> str:
        """Idempotent for a given id (a retry rewrites the same snapshot); the id to index."""
        snapshot_id = snapshot_id or f"{article_id}:{version}:{new_id()}"
        document = {"article_id": article_id, "version": version, "at": at, "by": by,
                    **content}
        await self.collection.replace_one({"_id": snapshot_id}, document, upsert=True)
        return snapshot_id

    async def of(self, article: Document) -> list[Document]:
        """The article's versions, oldest first: only the snapshots its index names."""
        index = article.get("version_index") or []
        ids = [entry["snapshot"] for entry in index]
        found = {doc["_id"]: doc async for doc in self.collection.find({"_id": {"$in": ids}})}
        return [found[i] for i in ids if i in found]

    async def one(self, article: Document, version: int) -> Document | None:
        for entry in article.get("version_index") or []:
            if entry["version"] == version:
                doc: Document | None = await self.collection.find_one({"_id": entry["snapshot"]})
                return doc
        return None
