"""Embedded outbox: events ride in the same document update as the state change, then get relayed.

Transactions across documents are not assumed (they need a replica set; FerretDB v1 has none),
so a document carries `outbox: [envelope, ...]`. The writer publishes right after its write (fast
path); a periodic sweep publishes whatever a crash left behind. Either may publish an event twice;
consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.envelope import Envelope, utcnow
from shared.failures import TRANSIENT
from shared.idempotency import mark_applied, not_yet_applied
from shared.locks import KeyedLocks
from shared.mongo import Collection, Document, update_one

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


def versioned_change(
    doc_id: str, expected_version: int, fields: Document, *,
    events: Iterable[Envelope] = (), push: Document | None = None,
    applied_event: str | None = None,
) -> tuple[Document, Document]:
    """Filter and update for one change of an aggregate, written with its events.

    Matches only if nobody changed the document since `expected_version` (optimistic
    concurrency) and, for a consumer, only if `applied_event` is not applied yet; sets the
    fields, bumps the version, and pushes the events into the outbox, all in one update.
    """
    query: Document = (not_yet_applied(doc_id, applied_event) if applied_event
                       else {"_id": doc_id})
    query["version"] = expected_version
    update: Document = {"$set": {**fields, "updated_at": utcnow()}, "$inc": {"version": 1}}
    pushes = {**(push or {})}
    envelopes = list(events)
    if envelopes:
        pushes.update(outbox_push(envelopes))
    if pushes:
        update["$push"] = pushes
    if applied_event:
        update["$addToSet"] = mark_applied(applied_event)
    return query, update


class OutboxRelay:
    """Publishes the pending events of one collection to one topic, then removes them."""

    def __init__(self, collection: Collection, topic: str, publisher: EventPublisher,
                 grace: timedelta = timedelta(seconds=3),
                 full_sweep_every: timedelta = timedelta(minutes=5)) -> None:
        self._collection = collection
        self._topic = topic
        self._publisher = publisher
        # One relay at a time per document in this process: the fast path of two quick writes
        # and the sweep would otherwise publish the same pending event twice.
        self._relaying = KeyedLocks()
        self._grace = grace
        self._full_sweep_every = full_sweep_every
        # Documents whose fast path has not (yet) succeeded in this process. The frequent sweep
        # visits only these (reads by `_id`); the whole collection is scanned at start-up and
        # then rarely, for what a crashed process left behind. On FerretDB a scan is a read of
        # every document in Go (0.4 s at 10,000 reports), too dear for every few seconds.
        self._suspects: set[str] = set()

    async def relay_document(self, doc_id: str) -> int:
        """Publish this document's pending events (by `_id`), re-read under the lock."""
        self._suspects.add(doc_id)
        async with self._relaying.hold(doc_id):
            doc = await self._collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
            sent = 0 if doc is None else await self._relay(doc_id, doc.get(OUTBOX_FIELD) or [])
        self._suspects.discard(doc_id)
        return sent

    async def relay_written(self, doc_id: str, envelopes: Iterable[Envelope]) -> int:
        """Fast path right after a write: publish the events just written, without reading
        them back. The sweep leaves events younger than `grace` to this path, so the two do not
        race; if this path fails, the sweep publishes them once the grace has passed."""
        self._suspects.add(doc_id)
        async with self._relaying.hold(doc_id):
            sent = await self._relay(doc_id, outbox_field(envelopes))
        self._suspects.discard(doc_id)
        return sent

    async def sweep(self) -> int:
        """Publish what earlier writers left pending (a crash, a broker outage): a full scan."""
        cursor = self._collection.find({"outbox.0": {"$exists": True}}, {"_id": 1})
        return await self._sweep_ids([doc["_id"] async for doc in cursor])

    async def sweep_suspects(self) -> int:
        """Publish what this process's fast paths left pending (reads by `_id` only)."""
        return await self._sweep_ids(sorted(self._suspects))

    async def _sweep_ids(self, ids: list[str]) -> int:
        sent = 0
        for doc_id in ids:
            async with self._relaying.hold(doc_id):
                doc = await self._collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
                pending = (doc or {}).get(OUTBOX_FIELD) or []
                settled = _settled(pending, self._grace)
                sent += await self._relay(doc_id, settled)
                if len(settled) == len(pending):
                    self._suspects.discard(doc_id)
        return sent

    async def flush(self) -> int:
        """At shutdown: what this process's fast paths left, young or not (it wrote them);
        anything older waits for the next start's full sweep."""
        grace, self._grace = self._grace, timedelta(0)
        try:
            return await self.sweep_suspects()
        finally:
            self._grace = grace

    async def _relay(self, doc_id: str, pending: list[Document]) -> int:
        for raw in pending:
            # Order within an aggregate matters: publish one by one, stop at the first failure.
            await self._publisher.publish_event(self._topic, Envelope.model_validate(raw))
            # Pull the exact stored sub-document: FerretDB v1 silently ignores a conditional
            # `$pull` ({"id": ...} matches nothing there), while exact equality works on both.
            await update_one(self._collection, {"_id": doc_id}, {"$pull": {OUTBOX_FIELD: raw}})
        return len(pending)

    async def run_forever(self, interval: float) -> None:
        """The background sweep: bounded, backed-off, never a hot loop. The first full scan
        waits out the grace, so what a crashed predecessor wrote just before dying is old
        enough to be taken."""
        delay = interval
        next_full = time.monotonic() + self._grace.total_seconds()
        while True:
            await asyncio.sleep(delay)
            try:
                if time.monotonic() >= next_full:
                    sent = await self.sweep()
                    next_full = time.monotonic() + self._full_sweep_every.total_seconds()
                else:
                    sent = await self.sweep_suspects()
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


def _settled(pending: list[Document], grace: timedelta) -> list[Document]:
    """The pending events old enough for the sweep, in order: it stops at the first young one."""
    cutoff = utcnow() - grace
    settled = []
    for raw in pending:
        if datetime.fromisoformat(raw["occurred_at"]) > cutoff:
            break
        settled.append(raw)
    return settled
