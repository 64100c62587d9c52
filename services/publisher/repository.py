"""Publications and public feed items in the publisher's own database.

A publication is one document per (article, channel), `_id` = "<article id>:<channel>", holding
its state, the article content it publishes (`article`), the event that caused it (`cause`, for
the ids of the events it writes), the ids of events applied to it and its outbox. A feed item is
one document per article, `_id` = article id. Every state change is one conditional
single-document update whose result is checked. A poster holds a publication by a lease
(`lease_owner` = its token, `lease_until`); only the holder renews it or records the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.publisher.domain import LEASE, POSTABLE, RETRYABLE, State
from shared.envelope import Envelope
from shared.idempotency import APPLIED_FIELD, insert_once, mark_applied, not_yet_applied
from shared.mongo import (
    DESCENDING,
    Database,
    Document,
    ReturnDocument,
    find_one_and_update,
    update_one,
)
from shared.outbox import OUTBOX_FIELD, outbox_push

_HIDDEN = {OUTBOX_FIELD: 0, "cause": 0, "article": 0, APPLIED_FIELD: 0}
_POSTABLE = [s.value for s in POSTABLE]


class PublicationRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["publications"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("article_id")
        await self.collection.create_index([("state", 1), ("due_at", 1)])

    async def add(self, document: Document) -> bool:
        """False if it exists: a redelivered or repeated approval creates nothing new."""
        return await insert_once(self.collection, document)

    async def get(self, publication_id: str) -> Document | None:
        return await self.collection.find_one({"_id": publication_id}, _HIDDEN)

    async def for_article(self, article_id: str) -> list[Document]:
        cursor = self.collection.find({"article_id": article_id}, {OUTBOX_FIELD: 0}).sort(
            "_id", 1).limit(50)
        return [doc async for doc in cursor]

    async def search(self, article_id: str | None, limit: int) -> list[Document]:
        query = {"article_id": article_id} if article_id else {}
        cursor = self.collection.find(query, _HIDDEN).sort("created_at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Postable publications whose time has come and that nobody holds a lease on."""
        query = {"state": {"$in": _POSTABLE}, "due_at": {"$lte": now},
                 "lease_until": {"$lte": now}}
        cursor = self.collection.find(query, {"_id": 1}).sort("due_at", 1).limit(limit)
        return [str(doc["_id"]) async for doc in cursor]

    async def claim(self, publication_id: str, owner: str, now: datetime) -> Document | None:
        """Lease it to `owner` in one conditional update, so two instances (or the consumer and
        the scheduler) never post it at once. None if not due, not postable or held."""
        return await find_one_and_update(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE},
             "due_at": {"$lte": now}, "lease_until": {"$lte": now}},
            {"$set": {"lease_owner": owner, "lease_until": now + LEASE}},
            return_document=ReturnDocument.AFTER)

    async def renew(self, publication_id: str, owner: str, now: datetime) -> bool:
        """Extend `owner`'s lease; False if it is not held by `owner` any more."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"lease_until": now + LEASE}})
        return result.matched_count == 1

    async def mark_published(self, publication_id: str, owner: str, *, external_id: str,
                             url: str, now: datetime, event: Envelope) -> bool:
        """False if `owner` lost the lease or the publication left the postable states
        meanwhile (taken down)."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"state": State.PUBLISHED.value, "external_id": external_id, "url": url,
                      "published_at": now, "updated_at": now, "error": None,
                      "lease_until": now, "lease_owner": None},
             "$push": outbox_push([event])})
        return result.modified_count == 1

    async def mark_failed(self, publication_id: str, owner: str, *, state: State,
                          attempts: int, error: str, due_at: datetime, now: datetime,
                          event: Envelope) -> bool:
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"state": state.value, "attempts": attempts, "error": error,
                      "due_at": due_at, "updated_at": now, "lease_until": now,
                      "lease_owner": None},
             "$push": outbox_push([event])})
        return result.modified_count == 1

    async def requeue(self, publication_id: str, now: datetime) -> Document | None:
        """An editor's retry of a failed or dead publication: a fresh budget, due now. The
        lease is left alone: an attempt in flight finishes first; nobody else posts meanwhile."""
        return await find_one_and_update(self.collection,
            {"_id": publication_id, "state": {"$in": [s.value for s in RETRYABLE]}},
            {"$set": {"state": State.PENDING.value, "attempts": 0, "due_at": now,
                      "updated_at": now}},
            return_document=ReturnDocument.AFTER)

    async def apply(self, publication_id: str, event_id: str, fields: dict[str, Any],
                    *, older_than_version: int | None = None) -> bool:
        """Apply one article event (correction, take-down) once. With `older_than_version`,
        only to a publication holding an older article version (an old event never wins)."""
        query = not_yet_applied(publication_id, event_id)
        if older_than_version is not None:
            query["article_version"] = {"$lt": older_than_version}
        result = await update_one(self.collection,
            query, {"$set": fields, "$addToSet": mark_applied(event_id)})
        return result.modified_count == 1


class FeedRepository:
    """The public feed: what is published now, newest first."""

    def __init__(self, db: Database) -> None:
        self.collection = db["feed_items"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("published_at", DESCENDING)])

    async def get(self, article_id: str) -> Document | None:
        return await self.collection.find_one({"_id": article_id})

    async def put(self, article_id: str, fields: Document, now: datetime) -> None:
        """Idempotent: a second put of the same article rewrites the same item."""
        await update_one(self.collection,
            {"_id": article_id},
            {"$set": {**fields, "updated_at": now},
             "$setOnInsert": {"published_at": now, "corrections": []}},
            upsert=True)

    async def correct(self, article_id: str, version: int, fields: Document,
                      correction: Document) -> bool:
        """Replace the content and keep the note, only over an older article version: a
        redelivered or out-of-order correction changes nothing."""
        result = await update_one(self.collection,
            {"_id": article_id, "article_version": {"$lt": version}},
            {"$set": fields, "$push": {"corrections": correction}})
        return result.modified_count == 1

    async def remove(self, article_id: str) -> None:
        await self.collection.delete_one({"_id": article_id})

    async def latest(self, now: datetime, limit: int) -> list[Document]:
        cursor = self.collection.find({"published_at": {"$lte": now}}).sort(
            "published_at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]
