"""The pending network edit or delete of a posted publication: claimed, retried, cleared.

`network_pending` ({kind: "edit" | "delete", event_id, attempts, due_at, error}) is set in the
same update that applies a correction or take-down, so a crash before the network call, or a
transient failure of it, leaves it to the sweep instead of losing it. Its `due_at` is both the
backoff and the lease: a claim moves it past the lease, so one replica acts at a time.
"""

from __future__ import annotations

from datetime import datetime

from services.publisher.domain import LEASE
from shared.mongo import Collection, Document, ReturnDocument, find_one_and_update, update_one

PENDING = "network_pending"


def pending(kind: str, event_id: str, now: datetime) -> Document:
    return {"kind": kind, "event_id": event_id, "attempts": 0, "due_at": now, "error": None}


class FollowupRepository:
    def __init__(self, publications: Collection) -> None:
        self.collection = publications  # PublicationRepository's; it makes the index

    async def due(self, now: datetime, limit: int) -> list[str]:
        cursor = self.collection.find({f"{PENDING}.due_at": {"$lte": now}}, {"_id": 1}).limit(
            limit)
        return [str(doc["_id"]) async for doc in cursor]

    async def claim(self, publication_id: str, now: datetime) -> Document | None:
        """The publication with its pending action, now held for LEASE; None if not due."""
        return await find_one_and_update(self.collection,
            {"_id": publication_id, f"{PENDING}.due_at": {"$lte": now}},
            {"$set": {f"{PENDING}.due_at": now + LEASE}},
            return_document=ReturnDocument.AFTER)

    async def done(self, publication_id: str, event_id: str,
                   manual: Document | None = None) -> None:
        """Cleared, unless a newer event (a take-down after a correction) replaced it."""
        fields: Document = {PENDING: None}
        if manual is not None:
            fields["manual_action"] = manual
        await update_one(self.collection,
                         {"_id": publication_id, f"{PENDING}.event_id": event_id},
                         {"$set": fields})

    async def again(self, publication_id: str, event_id: str, *, attempts: int,
                    due_at: datetime, error: str) -> None:
        await update_one(self.collection,
                         {"_id": publication_id, f"{PENDING}.event_id": event_id},
                         {"$set": {f"{PENDING}.attempts": attempts, f"{PENDING}.due_at": due_at,
                                   f"{PENDING}.error": error}})


__all__ = ["PENDING", "FollowupRepository", "pending"]
