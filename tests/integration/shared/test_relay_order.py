"""The outbox relay on the real broker and database: head first, in order, with several relays."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from aiokafka.errors import KafkaConnectionError

from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import Collection, MongoHandle
from shared.outbox import OutboxRelay, outbox_field, outbox_push
from shared.settings import Settings
from tests.probes import envelopes_in, read_topic


def event_of(doc_id: str) -> Envelope:
    data = ReportWithdrawnV1(report_id=doc_id, opd_id="opd-1", withdrawn_at=datetime.now(UTC))
    return root_event(type=REPORT_WITHDRAWN, version=1, source="test", subject=doc_id, data=data)


class FirstPublishFails:
    """Fault injection: the first publish fails as during a broker outage; the rest reach the
    real broker."""

    def __init__(self, bus: EventBus) -> None:
        self.bus, self.failures = bus, 1

    async def publish_event(self, topic: str, envelope: Envelope) -> None:
        if self.failures:
            self.failures -= 1
            raise KafkaConnectionError("injected: broker unreachable")
        await self.bus.publish_event(topic, envelope)


@contextlib.asynccontextmanager
async def process(settings: Settings, name: str) -> AsyncIterator[tuple[Collection, EventBus]]:
    """What one service process has: its own database client and its own producer."""
    mongo = MongoHandle(settings, "relayorder")
    broker = make_broker(settings, name)
    await broker.start()
    try:
        yield mongo.db["things"], EventBus(broker)
    finally:
        await broker.stop()
        mongo.close()


def first_deliveries(records: list[tuple[bytes, dict[str, bytes]]], ids: set[str]) -> list[str]:
    seen: list[str] = []
    for event in envelopes_in(records):
        if event["id"] in ids and event["id"] not in seen:
            seen.append(event["id"])
    return seen


async def test_after_a_failed_fast_publish_a_later_event_does_not_overtake_the_earlier(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    async with process(settings, "relay-a") as (collection, bus):
        relay = OutboxRelay(collection, topics.REPORTS, FirstPublishFails(bus),
                            grace=timedelta(0))
        doc_id = f"r-{uuid.uuid4().hex}"
        submitted, amended = event_of(doc_id), event_of(doc_id)
        await collection.insert_one({"_id": doc_id, "outbox": outbox_field([submitted])})
        with contextlib.suppress(Exception):  # the broker "is down": the fast path fails
            await relay.relay_written(doc_id, [submitted])
        await collection.update_one({"_id": doc_id}, {"$push": outbox_push([amended])})
        with contextlib.suppress(Exception):
            await relay.relay_written(doc_id, [amended])
        await relay.sweep()  # whatever is still pending goes out now

        doc = await collection.find_one({"_id": doc_id})
        assert doc is not None and doc["outbox"] == []
    records = await read_topic(settings.kafka_bootstrap, topics.REPORTS, 10_000, 5)
    assert first_deliveries(records, {submitted.id, amended.id}) == [submitted.id, amended.id]


async def test_several_processes_relaying_at_once_keep_each_documents_order(
    settings: Settings,
) -> None:
    """Two processes' fast paths and sweeps race over the same documents while events are
    appended: every event goes out, and first deliveries follow the write order."""
    await ensure_topics(settings.kafka_bootstrap)
    doc_ids = [f"r-{uuid.uuid4().hex}" for _ in range(4)]
    written: dict[str, list[str]] = {d: [] for d in doc_ids}
    async with process(settings, "relay-a") as (coll_a, bus_a), \
            process(settings, "relay-b") as (coll_b, bus_b):
        relays = [OutboxRelay(coll_a, topics.REPORTS, bus_a, grace=timedelta(0)),
                  OutboxRelay(coll_b, topics.REPORTS, bus_b, grace=timedelta(0))]
        for doc_id in doc_ids:
            await coll_a.insert_one({"_id": doc_id, "outbox": []})

        async def writer(doc_id: str) -> None:
            """One writer per document, whose fast paths alternate between the processes."""
            for n in range(20):
                event = event_of(doc_id)
                await (coll_a, coll_b)[n % 2].update_one(
                    {"_id": doc_id}, {"$push": outbox_push([event])})
                written[doc_id].append(event.id)
                await relays[n % 2].relay_document(doc_id)

        async def sweeper(relay: OutboxRelay) -> None:
            for _ in range(20):
                await relay.sweep()

        await asyncio.gather(*(writer(d) for d in doc_ids),
                             sweeper(relays[0]), sweeper(relays[1]))
        for relay in relays:
            await relay.flush()
        leftovers = await coll_a.count_documents({"_id": {"$in": doc_ids}, "outbox.0":
                                                  {"$exists": True}})
        assert leftovers == 0

    records = await read_topic(settings.kafka_bootstrap, topics.REPORTS, 100_000, 8)
    for doc_id, ids in written.items():
        assert first_deliveries(records, set(ids)) == ids, f"{doc_id} reordered or lost"
