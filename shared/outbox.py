"""Embedded outbox: events ride in the same document update as the state change, then get relayed.

Transactions across documents are not assumed (they need a replica set; FerretDB v1 has none),
so a document carries `outbox: [envelope, ...]`. The writer publishes right after its write (fast
path); a periodic sweep publishes whatever a crash left behind. Either may publish an event twice;
consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from shared.envelope import Envelope
from shared.failures import TRANSIENT
from shared.mongo import Collection, Document

log = logging.getLogger("warta.outbox")

OUTBOX_FIELD = "outbox"


class EventPublisher(Protocol):
    async def publish_event(self, topic: str, envelope: Envelope) -> None: ...


def outbox_push(envelopes: Iterable[Envelope]) -> dict[str, Any]:
    """The `$push` clause that adds events to a document in the same update as its state."""
    return {OUTBOX_FIELD: {"$each": [e.model_dump(mode="json") for e in envelopes]}}


def outbox_field(envelopes: Iterable[Envelope]) -> list[Document]:
    """The outbox of a document that is inserted with its first events."""
    return [e.model_dump(mode="json") for e in envelopes]


class OutboxRelay:
    """Publishes the pending events of one collection to one topic, then removes them."""

    def __init__(self, collection: Collection, topic: str, publisher: EventPublisher) -> None:
        self._collection = collection
        self._topic = topic
        self._publisher = publisher
        # One relay at a time per document in this process: the fast path of two quick writes
        # and the sweep would otherwise publish the same pending event twice.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def relay_document(self, doc_id: str) -> int:
        """Fast path after a write: publish this document's pending events (by `_id`)."""
        lock, users = self._locks.get(doc_id, (asyncio.Lock(), 0))
        self._locks[doc_id] = (lock, users + 1)
        try:
            async with lock:
                # Read under the lock: what an earlier holder published is gone by now.
                doc = await self._collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
                return 0 if doc is None else await self._relay(doc)
        finally:
            lock, users = self._locks[doc_id]
            if users == 1:
                del self._locks[doc_id]
            else:
                self._locks[doc_id] = (lock, users - 1)

    async def sweep(self) -> int:
        """Publish what earlier writers left pending (a crash, a broker outage)."""
        cursor = self._collection.find({"outbox.0": {"$exists": True}}, {"_id": 1})
        ids = [doc["_id"] async for doc in cursor]
        sent = 0
        for doc_id in ids:
            sent += await self.relay_document(doc_id)
        return sent

    async def _relay(self, doc: Document) -> int:
        pending = doc.get(OUTBOX_FIELD) or []
        for raw in pending:
            # Order within an aggregate matters: publish one by one, stop at the first failure.
            await self._publisher.publish_event(self._topic, Envelope.model_validate(raw))
            # Pull the exact stored sub-document: FerretDB v1 silently ignores a conditional
            # `$pull` ({"id": ...} matches nothing there), while exact equality works on both.
            await self._collection.update_one({"_id": doc["_id"]}, {"$pull": {OUTBOX_FIELD: raw}})
        return len(pending)

    async def run_forever(self, interval: float) -> None:
        """The background sweep: bounded, backed-off, never a hot loop."""
        delay = interval
        while True:
            await asyncio.sleep(delay)
            try:
                sent = await self.sweep()
                if sent:
                    log.info("outbox sweep relayed events", extra={"count": sent})
                delay = interval
            except asyncio.CancelledError:
                raise
            except TRANSIENT as exc:
                delay = min(delay * 2, 60.0)
                log.warning("outbox sweep failed, backing off", extra={"error": repr(exc)})
            except Exception as exc:  # a bug must not kill the relay; it is logged and retried
                delay = min(delay * 2, 60.0)
                log.exception("outbox sweep crashed", extra={"error": repr(exc)})
