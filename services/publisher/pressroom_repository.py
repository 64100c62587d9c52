"""The press room's reads of the public feed items: pages by search, OPD and category.

Reads only: the feed items are written by the feed channel (adapters/feed.py). Every listing is
one indexed query with a count; a search matches the stored `search_terms` (multikey index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.publisher.domain import State
from shared.mongo import DESCENDING, Database, Document

_LISTED = {"search_terms": 0, "body_html": 0}


@dataclass(frozen=True)
class Scope:
    """Which articles a page lists: all, one OPD's (by code) or one category's; and words."""

    opd_code: str | None = None
    category: str | None = None
    terms: tuple[str, ...] = ()

    def query(self, now: datetime) -> Document:
        query: Document = {"published_at": {"$lte": now}}
        if self.opd_code is not None:
            query["opd.code"] = self.opd_code
        if self.category is not None:
            query["category"] = self.category
        if self.terms:
            query["search_terms"] = {"$all": list(self.terms)}
        return query


@dataclass(frozen=True)
class Listing:
    items: list[Document]
    total: int


class PressroomRepository:
    def __init__(self, db: Database) -> None:
        self.items = db["feed_items"]
        self.publications = db["publications"]

    async def ensure_indexes(self) -> None:
        await self.items.create_index([("search_terms", 1), ("published_at", DESCENDING)])
        await self.items.create_index([("opd.code", 1), ("published_at", DESCENDING)])
        await self.items.create_index([("category", 1), ("published_at", DESCENDING)])

    async def page(self, scope: Scope, now: datetime, *, skip: int, limit: int) -> Listing:
        query = scope.query(now)
        cursor = self.items.find(query, _LISTED).sort("published_at", DESCENDING).skip(
            skip).limit(limit)
        items = [doc async for doc in cursor]
        total: int = await self.items.count_documents(query)
        return Listing(items, total)

    async def latest(self, scope: Scope, now: datetime, limit: int) -> list[Document]:
        cursor = self.items.find(scope.query(now), {"search_terms": 0}).sort(
            "published_at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def article(self, article_id: str) -> Document | None:
        return await self.items.find_one({"_id": article_id}, {"search_terms": 0})

    async def taken_down(self, article_id: str) -> bool:
        """A take-down removes the feed item; the publication records remain, saying so."""
        found = await self.publications.find_one(
            {"article_id": article_id, "state": State.TAKEN_DOWN.value}, {"_id": 1})
        return found is not None
