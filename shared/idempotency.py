"""Idempotent-consumer guard: a redelivered event changes nothing.

Two forms, both atomic without transactions:
- the aggregate document remembers the ids of the events applied to it (`applied_events`), and
  the update that applies an event is conditional on that id being absent;
- an effect stored as a new document takes an `_id` derived from the event id, so a second insert
  is a DuplicateKeyError, which means "already done".
"""

from __future__ import annotations

from typing import Any

from shared.mongo import Collection, Document, DuplicateKeyError

APPLIED_FIELD = "applied_events"


def not_yet_applied(doc_id: str, event_id: str) -> dict[str, Any]:
    """Filter matching the aggregate only if this event has not been applied to it."""
    return {"_id": doc_id, APPLIED_FIELD: {"$ne": event_id}}


def mark_applied(event_id: str) -> dict[str, Any]:
    """The `$addToSet` clause to put next to the state change."""
    return {APPLIED_FIELD: event_id}


async def insert_once(collection: Collection, document: Document) -> bool:
    """Insert a document whose `_id` is derived from an event; False if it already exists."""
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        return False
    return True
