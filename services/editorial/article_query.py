"""Search and filters over the articles with cursor pagination.

The order is `_id` descending: the report id (UUIDv7), so submission order, unique and never
changing, which makes the pages stable while articles change. The cursor is opaque: the last id
of the page and a fingerprint of the filters, so a cursor is refused (not misread) with other
filters."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from shared.mongo import ASCENDING, DESCENDING, Collection, Document

LIST_HIDDEN = {"outbox": 0, "versions": 0, "version_index": 0, "history": 0,
               "applied_events": 0, "body_html": 0, "opd_request.content": 0}


class BadCursor(ValueError):
    """The cursor was not issued for this search."""


@dataclass(frozen=True)
class ArticleFilters:
    status: str | None = None
    opd: str | None = None  # the OPD's code
    category: str | None = None
    region: str | None = None
    assignee: str | None = None
    submitted_after: datetime | None = None
    submitted_before: datetime | None = None
    q: str | None = None  # words in the headline or the body
    ready: bool | None = None

    def query(self) -> Document:
        query: Document = {}
        for name, path in (("status", "status"), ("opd", "opd.code"), ("category", "category"),
                           ("region", "opd.region"), ("assignee", "assignee")):
            if (value := getattr(self, name)) is not None:
                query[path] = value
        window = {op: at for op, at in (("$gte", self.submitted_after),
                                        ("$lt", self.submitted_before)) if at is not None}
        if window:
            query["received_at"] = window
        if self.q and self.q.strip():
            words = [{"$or": [{"headline": _contains(word)}, {"body_html": _contains(word)}]}
                     for word in self.q.split()[:8]]
            query["$and"] = words
        if self.ready is not None:
            query["ready"] = {"$ne": None} if self.ready else None
        return query

    def fingerprint(self) -> str:
        raw = json.dumps(asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


async def ensure_indexes(collection: Collection) -> None:
    """One per filter, each followed by the sort key, so a filtered page is an index range."""
    for path in ("opd.code", "category", "opd.region", "assignee", "status"):
        await collection.create_index([(path, ASCENDING), ("_id", DESCENDING)])
    await collection.create_index([("received_at", DESCENDING), ("_id", DESCENDING)])


async def page(collection: Collection, filters: ArticleFilters, cursor: str | None,
               limit: int) -> tuple[list[Document], str | None]:
    """One page of matching articles and the cursor of the next (None: the last page)."""
    query = filters.query()
    if cursor:
        query = {"$and": [query, {"_id": {"$lt": _decode(cursor, filters)}}]}
    found = collection.find(query, LIST_HIDDEN).sort("_id", DESCENDING).limit(limit + 1)
    docs = [doc async for doc in found]
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, _encode(docs[-1]["_id"], filters) if more and docs else None


def _contains(word: str) -> dict[str, Any]:
    return {"$regex": re.escape(word), "$options": "i"}


def _encode(last_id: str, filters: ArticleFilters) -> str:
    raw = json.dumps([last_id, filters.fingerprint()], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, filters: ArticleFilters) -> str:
    try:
        last_id, fingerprint = json.loads(base64.urlsafe_b64decode(
            cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc
    if fingerprint != filters.fingerprint() or not isinstance(last_id, str):
        raise BadCursor(cursor)
    return last_id
