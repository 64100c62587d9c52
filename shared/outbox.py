"""Embedded outbox: events ride in the same document update as the state change, then get relayed.

Transactions across documents are not assumed (a standalone MongoDB has none), so a document
carries `outbox: [envelope, ...]`. The writer relays right after its write (fast path); a sweep,
cheap thanks to an index, relays what a failed fast path, a timed-out write or a crashed process
left behind, every few seconds on every replica.

Ordering rule: a relay always starts at the head of the document's outbox as stored, publishes
one event at a time (each acknowledged by Kafka before the next) and removes an event only after
publishing it. So whoever publishes an event first, every earlier event of that document was
published before it. Several relays (fast paths, sweeps, replicas) may publish an event twice;
consumers dedupe by event id. Nothing here is locked: the database's atomic `$pull` suffices.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.envelope import Envelope, utcnow
from shared.idempotency import mark_applied, not_yet_applied
from shared.mongo import ASCENDING, Collection, Document, IndexModel, update_one
from shared.retry import backoff_delays

log = logging.getLogger("warta.outbox")

OUTBOX_FIELD = "outbox"
# Documents with something pending, found by an index range scan: an empty outbox has no
# `outbox.id` key (MongoDB indexes it as undefined), so `{"outbox.id": {"$gt": ""}}` reads only
# the index entries of pending events, however large the collection.
PENDING_INDEX = IndexModel([(f"{OUTBOX_FIELD}.id", ASCENDING)], name="outbox_pending")
PENDING: Document = {f"{OUTBOX_FIELD}.id": {"$gt": ""}}


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
    """Publishes the pending events of one collection's documents to one topic, then removes them.

    `grace`: the sweep leaves events younger than this to their writer's fast path, so the two
    rarely publish the same event; a fast path that failed is covered once the grace is over.
    `fast_wait`: how long a writer waits for its fast path before answering anyway; the pass
    goes on in the background, and a failure only leaves the events to the sweep.
    """

    def __init__(self, collection: Collection, topic: str, publisher: EventPublisher,
                 grace: timedelta = timedelta(seconds=3), fast_wait: float = 2.0) -> None:
        self._collection = collection
        self._topic = topic
        self._publisher = publisher
        self._grace = grace
        self._fast_wait = fast_wait
        # At most one fast pass per document in this process; a write that lands during a pass
        # asks it to go round once more. Saves duplicates only: correctness needs neither.
        self._passes: dict[Any, asyncio.Task[int]] = {}
        self._again: set[Any] = set()
        self._indexed = False

    async def ensure_index(self) -> None:
        """Create the sweep's index (at start-up; the first sweep does it too if need be)."""
        await self._collection.create_indexes([PENDING_INDEX])
        self._indexed = True

    async def relay_document(self, doc_id: Any) -> int:
        """Fast path after a durable write: relay this document's outbox from its head.

        Never raises and waits at most `fast_wait`: the write is saved, so the caller answers
        success whatever the broker does; what is not relayed now, the sweep relays later.
        """
        task = self._passes.get(doc_id)
        if task is None or task.done():  # done: its callback has not run yet
            task = asyncio.create_task(self._fast_passes(doc_id))
            self._passes[doc_id] = task
            task.add_done_callback(lambda done: self._fast_done(doc_id, done))
        else:
            self._again.add(doc_id)
        try:
            async with asyncio.timeout(self._fast_wait):
                return await asyncio.shield(task)
        except Exception:  # logged by _fast_done; the events stay pending for the sweep
            return 0

    async def relay_written(self, doc_id: Any, envelopes: Iterable[Envelope]) -> int:
        """`relay_document` for writers that hold the events just written: the outbox is still
        re-read, because an earlier event whose fast path failed must go out first."""
        del envelopes
        return await self.relay_document(doc_id)

    async def _fast_passes(self, doc_id: Any) -> int:
        sent = 0
        while True:
            self._again.discard(doc_id)
            sent += await self._relay(doc_id, timedelta(0))
            if doc_id not in self._again:
                return sent

    def _fast_done(self, doc_id: Any, task: asyncio.Task[int]) -> None:
        if self._passes.get(doc_id) is task:  # not a newer pass of the same document
            del self._passes[doc_id]
            self._again.discard(doc_id)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("fast relay failed; the sweep will relay it", extra={
                "doc_id": str(doc_id), "topic": self._topic, "error": repr(exc)})

    async def sweep(self, grace: timedelta | None = None) -> int:
        """Relay every document's pending events older than the grace (one indexed query).

        A document that fails is skipped for this round; three failures in a row mean an
        outage, and the round stops with the last error.
        """
        grace = self._grace if grace is None else grace
        if not self._indexed:
            await self.ensure_index()
        cursor = self._collection.find(PENDING, {"_id": 1})
        ids = list(dict.fromkeys([doc["_id"] async for doc in cursor]))
        sent, failures = 0, 0
        for doc_id in ids:
            try:
                sent += await self._relay(doc_id, grace)
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("outbox relay of a document failed", extra={
                    "doc_id": str(doc_id), "topic": self._topic, "error": repr(exc)})
                if failures >= 3:
                    raise
        return sent

    async def _relay(self, doc_id: Any, grace: timedelta) -> int:
        """One pass over the document's outbox as stored now, from its head, in order."""
        doc = await self._collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
        pending = _settled((doc or {}).get(OUTBOX_FIELD) or [], grace)
        for raw in pending:
            # Kafka acknowledges this event before the next is sent; stop at the first failure.
            await self._publisher.publish_event(self._topic, Envelope.model_validate(raw))
            await update_one(self._collection, {"_id": doc_id},
                             {"$pull": {OUTBOX_FIELD: {"id": raw["id"]}}})
        return len(pending)

    async def flush(self) -> int:
        """At shutdown: let running fast passes finish, then relay what is pending, young or not
        (a replica still running may publish some of it too: a duplicate, not a loss)."""
        try:
            if self._passes:
                await asyncio.wait(list(self._passes.values()))
            return await self.sweep(timedelta(0))
        finally:
            for task in list(self._passes.values()):
                task.cancel()

    async def run_forever(self, interval: float) -> None:
        """The background sweep: every `interval` seconds while healthy; after a failure, a
        jittered backoff capped low, so events go out within seconds of the broker's return."""
        delays = backoff_delays(interval, max(2 * interval, 5.0))
        pause = interval + self._grace.total_seconds()  # what a predecessor wrote is settled
        while True:
            await asyncio.sleep(pause)
            try:
                sent = await self.sweep()
            except Exception as exc:  # an outage or a bug: logged, retried, never a hot loop
                pause = next(delays)
                log.warning("outbox sweep failed, backing off", extra={
                    "topic": self._topic, "error": repr(exc), "pause_s": round(pause, 2)})
                continue
            if sent:
                log.info("outbox sweep relayed events", extra={"topic": self._topic,
                                                               "count": sent})
            pause, delays = interval, backoff_delays(interval, max(2 * interval, 5.0))


def _settled(pending: list[Document], grace: timedelta) -> list[Document]:
    """The pending events old enough for the sweep, in order: it stops at the first young one."""
    if not grace:
        return pending
    cutoff = utcnow() - grace
    settled = []
    for raw in pending:
        if datetime.fromisoformat(raw["occurred_at"]) > cutoff:
            break
        settled.append(raw)
    return settled
