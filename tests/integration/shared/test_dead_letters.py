"""Dead letters on the real broker: never lost when the dead-letter publish fails, and they keep
the original record's headers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY

from shared import topics
from shared.consumer import subscribe
from shared.envelope import Envelope, root_event
from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.settings import Settings
from tests.probes import eventually, read_topic


def withdrawn(report_id: str) -> Envelope:
    data = ReportWithdrawnV1(report_id=report_id, opd_id="opd-1", withdrawn_at=datetime.now(UTC))
    return root_event(type=REPORT_WITHDRAWN, version=1, source="test", subject=report_id,
                      data=data)


async def create_topic(bootstrap: str, name: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=name, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


def redeliveries(topic: str) -> float:
    value = REGISTRY.get_sample_value("warta_events_consumed_total", {
        "topic": topic, "type": "?", "outcome": "redelivered"})
    return value or 0.0


async def test_a_failed_dead_letter_publish_keeps_the_message_until_it_succeeds(
    settings: Settings,
) -> None:
    """The dead-letter topic is missing, so dead-lettering the poison fails: the poison must not
    be committed past (the good message behind it waits), and once the topic exists the poison
    is dead-lettered and the good message handled once."""
    topic = f"test.dlqfail.{uuid.uuid4().hex[:8]}"
    await create_topic(settings.kafka_bootstrap, topic)  # one partition: one order
    broker = make_broker(settings, f"dlqfail{uuid.uuid4().hex[:6]}")
    bus = EventBus(broker)
    handled: list[str] = []

    async def on_withdrawn(envelope: Envelope) -> None:
        handled.append(envelope.id)

    subscribe(bus, topic, f"svc{uuid.uuid4().hex[:6]}", {REPORT_WITHDRAWN: on_withdrawn})
    await broker.start()
    try:
        poison = f"{{not json {uuid.uuid4().hex}".encode()
        await broker.publish(poison, topic=topic, key=b"k")
        good = withdrawn(f"r-{uuid.uuid4().hex}")
        await bus.publish_event(topic, good)

        async def settled_or_given_back() -> bool:
            return bool(handled) or redeliveries(topic) >= 1

        await eventually(settled_or_given_back, "the failed dead-letter given back", 60)
        assert handled == [], "the message after an unsettled poison was handled: poison lost"

        await create_topic(settings.kafka_bootstrap, topics.dead_letter(topic))

        async def good_handled() -> bool:
            return good.id in handled

        await eventually(good_handled, "the good message handled after the poison", 90)
        dead = await read_topic(settings.kafka_bootstrap, topics.dead_letter(topic), 1, 10)
        assert [value for value, _ in dead] == [poison]
        assert handled == [good.id]
    finally:
        await broker.stop()


async def test_a_dead_letter_keeps_the_original_headers(settings: Settings) -> None:
    topic = topics.REPORTS
    await ensure_topics(settings.kafka_bootstrap)
    broker = make_broker(settings, f"dlqheaders{uuid.uuid4().hex[:6]}")
    bus = EventBus(broker)
    subscribe(bus, topic, f"svc{uuid.uuid4().hex[:6]}", {REPORT_WITHDRAWN: lambda _e: _noop()})
    await broker.start()
    trace = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    poison = f"poison {uuid.uuid4().hex}".encode()
    try:
        await broker.publish(poison, topic=topic, key=b"poison",
                             headers={"traceparent": trace, "event-type": "report.withdrawn"})

        async def dead_lettered() -> list[dict[str, bytes]]:
            dead = await read_topic(settings.kafka_bootstrap, topics.dead_letter(topic),
                                    10_000, 2)
            return [headers for value, headers in dead if value == poison]

        ours = (await eventually(dead_lettered, "the poison dead-lettered"))[0]
    finally:
        await broker.stop()
    assert ours["traceparent"] == trace.encode()
    assert ours["event-type"] == b"report.withdrawn"
    assert ours["dlq-original-topic"] == topic.encode()
    assert ours["dlq-error"].startswith(b"undecodable envelope")


async def _noop() -> None:
    return None
