"""The shared plumbing on the real broker and database: outbox relay, consumer guarantees."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared import topics
from shared.consumer import subscribe
from shared.envelope import Envelope, root_event
from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1
from shared.failures import TransientError
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import MongoHandle
from shared.outbox import OutboxRelay, outbox_field
from shared.settings import Settings
from tests.probes import envelopes_in, eventually, read_topic


def withdrawn(report_id: str) -> Envelope:
    data = ReportWithdrawnV1(report_id=report_id, opd_id="opd-1", withdrawn_at=datetime.now(UTC))
    return root_event(type=REPORT_WITHDRAWN, version=1, source="test", subject=report_id,
                      data=data)


async def test_the_relay_publishes_pending_events_and_empties_the_outbox(settings: Settings
                                                                         ) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    mongo = MongoHandle(settings, "plumbing")
    broker = make_broker(settings, "plumbing")
    await broker.start()
    try:
        collection = mongo.db["things"]
        report_id = f"r-{uuid.uuid4().hex}"
        event = withdrawn(report_id)
        await collection.insert_one({"_id": report_id, "outbox": outbox_field([event])})
        relay = OutboxRelay(collection, topics.REPORTS, EventBus(broker), grace=timedelta(0))

        assert await relay.sweep() >= 1

        doc = await collection.find_one({"_id": report_id})
        assert doc is not None and doc["outbox"] == []
        records = await read_topic(settings.kafka_bootstrap, topics.REPORTS, 10_000, 5)
        assert event.id in {e["id"] for e in envelopes_in(records)}
    finally:
        await broker.stop()
        mongo.close()


async def test_poison_goes_to_the_dead_letter_topic_and_the_good_event_is_handled_once(
    settings: Settings,
) -> None:
    topic = topics.REPORTS
    await ensure_topics(settings.kafka_bootstrap)
    broker = make_broker(settings, f"consumer{uuid.uuid4().hex[:6]}")
    bus = EventBus(broker)
    handled: list[str] = []
    failures = {"left": 2}

    async def on_withdrawn(envelope: Envelope) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise TransientError("receiver answered 503")
        handled.append(envelope.id)

    subscribe(bus, topic, f"svc{uuid.uuid4().hex[:6]}", {REPORT_WITHDRAWN: on_withdrawn})
    await broker.start()
    try:
        poison_key = f"poison-{uuid.uuid4().hex}".encode()
        await broker.publish(b"{not json", topic=topic, key=poison_key)
        good = withdrawn(f"r-{uuid.uuid4().hex}")
        await bus.publish_event(topic, good)

        async def good_handled() -> bool:
            return good.id in handled

        await eventually(good_handled, "the good event handled once")
        dead = await read_topic(settings.kafka_bootstrap, topics.dead_letter(topic), 50, 5)
        ours = [h for v, h in dead if v == b"{not json"]
        assert ours, "the undecodable message was not dead-lettered"
        assert ours[0]["dlq-original-topic"] == topic.encode()
        assert handled.count(good.id) == 1
    finally:
        await broker.stop()


async def test_a_dead_letter_can_be_replayed_to_its_stream(settings: Settings) -> None:
    from warta_cli.dlq import replay

    await ensure_topics(settings.kafka_bootstrap)
    broker = make_broker(settings, "dlq-test")
    await broker.start()
    marker = f"replay-me-{uuid.uuid4().hex}".encode()
    try:
        await broker.publish(marker, topic=topics.dead_letter(topics.NOTIFICATIONS),
                             key=b"k", headers={"dlq-error": "boom"})
    finally:
        await broker.stop()
    assert await replay(settings, topics.NOTIFICATIONS, 1000) >= 1
    records = await read_topic(settings.kafka_bootstrap, topics.NOTIFICATIONS, 1000, 5)
    replayed = [headers for value, headers in records if value == marker]
    assert replayed and replayed[0]["dlq-replayed"] == b"1"
    assert "dlq-error" not in replayed[0]
