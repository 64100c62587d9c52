"""Publications and public feed items in the publisher's own database.

A publication is one document per (article, channel), `_id` = "<article id>:<channel>", holding
its state, the article content it publishes (`article`), the event that caused it (`cause`, for
the ids of the events it writes), the ids of events applied to it and its outbox. A feed item is
one document per article, `_id` = article id. Every state change is one conditional
single-document update whose result is checked. A poster holds a publication by a lease
(`lease_owner` = its token, `lease_until`); only the holder renews it or records the outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
    def __init__(self, db: Database, lease: timedelta | None = None) -> None:
        self.collection = db["publications"]
        self.lease = lease or LEASE

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("article_id")
        await self.collection.create_index([("state", 1), ("due_at", 1)])
        await self.collection.create_index("network_pending.due_at", sparse=True)

    async def add(self, document: Document) -> bool:
        """False if it exists: a redelivered or repeated approval creates nothing new."""
        return await insert_once(self.collection, document)

    async def get(self, publication_id: str) -> Document | None:
        return await self.collection.find_one({"_id": publication_id}, _HIDDEN)

    async def cause_of(self, publication_id: str) -> Envelope | None:
        """The event that caused the publication (its approval), for its own events' ids."""
        doc = await self.collection.find_one({"_id": publication_id}, {"cause": 1})
        return Envelope.model_validate(doc["cause"]) if doc else None

    async def for_article(self, article_id: str) -> list[Document]:
        cursor = self.collection.find({"article_id": article_id}, {OUTBOX_FIELD: 0}).sort(
            "_id", 1).limit(50)
        return [doc async for doc in cursor]

    async def search(self, article_id: str | None, limit: int) -> list[Document]:
        query = {"article_id": article_id} if article_id else {}
        cursor = self.collection.find(query, _HIDDEN).sort("created_at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def due(self, now: datetime, limit: int, paused: list[str] | None = None
                  ) -> list[str]:
        """Postable publications whose time has come, that nobody holds a lease on, on a
        channel that is not paused (needs_reconnect)."""
        query: Document = {"state": {"$in": _POSTABLE}, "due_at": {"$lte": now},
                           "lease_until": {"$lte": now}}
        if paused:
            query["channel"] = {"$nin": paused}
        cursor = self.collection.find(query, {"_id": 1}).sort("due_at", 1).limit(limit)
        return [str(doc["_id"]) async for doc in cursor]

    async def claim(self, publication_id: str, owner: str, now: datetime) -> Document | None:
        """Lease it to `owner` in one conditional update, so two instances (or the consumer and
        the scheduler) never post it at once. None if not due, not postable or held."""
        return await find_one_and_update(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE},
             "due_at": {"$lte": now}, "lease_until": {"$lte": now}},
            {"$set": {"lease_owner": owner, "lease_until": now + self.lease}},
            return_document=ReturnDocument.AFTER)

    async def renew(self, publication_id: str, owner: str, now: datetime) -> bool:
        """Extend `owner`'s lease; False if it is not held by `owner` any more."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"lease_until": now + self.lease}})
        return result.matched_count == 1

    async def start_attempt(self, publication_id: str, owner: str, now: datetime) -> bool:
        """Recorded before the network is called: a crash after it means "maybe posted", and
        the next attempt looks for the earlier post first. False: the lease is lost."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"attempt_started_at": now}})
        return result.matched_count == 1

    async def pause(self, publication_id: str, owner: str, *, error: str, now: datetime,
                    answered: bool = True) -> bool:
        """Its channel needs reconnecting: left postable, no attempt counted, lease released
        (the maybe-posted marker stays unless the network answered this attempt)."""
        fields: Document = {"paused": True, "error": error, "updated_at": now,
                            "lease_until": now, "lease_owner": None}
        if answered:
            fields["attempt_started_at"] = None
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": fields})
        return result.modified_count == 1

    async def release(self, publication_id: str, owner: str, now: datetime) -> None:
        await update_one(self.collection, {"_id": publication_id, "lease_owner": owner},
                         {"$set": {"lease_until": now, "lease_owner": None}})

    async def mark_review(self, publication_id: str, owner: str, *, error: str,
                          now: datetime, event: Envelope) -> bool:
        """Maybe posted, and the network cannot tell us: an editor decides (the attempt marker
        stays, so an editor's retry is a deliberate decision, see `requeue`)."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"state": State.NEEDS_REVIEW.value, "error": error, "updated_at": now,
                      "lease_until": now, "lease_owner": None},
             "$push": outbox_push([event])})
        return result.modified_count == 1

    async def manual_action(self, publication_id: str, action: Document) -> None:
        """What an editor must do by hand on the network (a capability it lacks, a failure)."""
        await update_one(self.collection, {"_id": publication_id},
                         {"$set": {"manual_action": action}})

    async def waiting(self, channel: str) -> int:
        """Publications of a channel still to be posted (paused ones, when it is paused)."""
        count: int = await self.collection.count_documents(
            {"channel": channel, "state": {"$in": _POSTABLE}})
        return count

    async def mark_published(self, publication_id: str, owner: str, *, external_id: str,
                             url: str, now: datetime, event: Envelope,
                             extra: dict[str, str] | None = None) -> bool:
        """False if `owner` lost the lease or the publication left the postable states
        meanwhile (taken down)."""
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": {"state": State.PUBLISHED.value, "external_id": external_id, "url": url,
                      "published_at": now, "updated_at": now, "error": None,
                      "extra": extra or {}, "attempt_started_at": None, "paused": False,
                      "lease_until": now, "lease_owner": None},
             "$push": outbox_push([event])})
        return result.modified_count == 1

    async def mark_failed(self, publication_id: str, owner: str, *, state: State,
                          attempts: int, error: str, due_at: datetime, now: datetime,
                          event: Envelope, answered: bool = True) -> bool:
        """`answered`: the network said no, so nothing was posted (the attempt marker goes);
        otherwise (a broken connection) the next attempt looks for the post first."""
        fields: Document = {"state": state.value, "attempts": attempts, "error": error,
                            "due_at": due_at, "updated_at": now, "lease_until": now,
                            "lease_owner": None, "paused": False}
        if answered:
            fields["attempt_started_at"] = None
        result = await update_one(self.collection,
            {"_id": publication_id, "state": {"$in": _POSTABLE}, "lease_owner": owner},
            {"$set": fields,
             "$push": outbox_push([event])})
        return result.modified_count == 1

    async def requeue(self, publication_id: str, now: datetime) -> Document | None:
        """An editor's retry of a failed, dead or needs_review publication: a fresh budget, due
        now. The lease is left alone: an attempt in flight finishes first; nobody else posts
        meanwhile. From needs_review the editor has looked: the maybe-posted marker goes."""
        reviewed = await find_one_and_update(self.collection,
            {"_id": publication_id, "state": State.NEEDS_REVIEW.value},
            {"$set": {"state": State.PENDING.value, "attempts": 0, "due_at": now,
                      "updated_at": now, "attempt_started_at": None}},
            return_document=ReturnDocument.AFTER)
        if reviewed is not None:
            return reviewed
        return await find_one_and_update(self.collection,
            {"_id": publication_id, "state": {"$in": [s.value for s in RETRYABLE]}},
            {"$set": {"state": State.PENDING.value, "attempts": 0, "due_at": now,
                      "updated_at": now}},
            return_document=ReturnDocument.AFTER)

    async def cancel(self, publication_id: str, *, states: tuple[State, ...], fields: Document,
                     event: Envelope, event_id: str | None = None) -> Document | None:
        """Call off a publication not yet posted, with its event; once per `event_id`. The lease
        is released: a post already in flight sees the state and withdraws what it posted."""
        query: Document = {"_id": publication_id, "state": {"$in": [s.value for s in states]}}
        update: Document = {"$set": {**fields, "state": State.CANCELLED.value,
                                     "lease_until": fields["updated_at"]},
                            "$push": outbox_push([event])}
        if event_id is not None:
            query = {**not_yet_applied(publication_id, event_id), **query}
            update["$addToSet"] = mark_applied(event_id)
        return await find_one_and_update(self.collection, query, update,
                                         return_document=ReturnDocument.AFTER)

    async def reschedule(self, publication_id: str, event_id: str, *, version: int,
                         state: State, due_at: datetime, fields: Document) -> bool:
        """Move a not yet posted publication's embargo, once per event, only over an older
        article version (a redelivered or overtaken reschedule changes nothing)."""
        result = await update_one(self.collection,
            {**not_yet_applied(publication_id, event_id), "state": {"$in": _POSTABLE},
             "article_version": {"$lt": version}},
            {"$set": {**fields, "state": state.value, "due_at": due_at,
                      "article_version": version},
             "$addToSet": mark_applied(event_id)})
        return result.modified_count == 1

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
