"""A poison message on each consumed stream, with the real service processes consuming it.

Two poisons per stream (bytes that are no envelope, and an envelope its schema refuses), then
a good message with the same key (so the same partition, behind them). Every consumer group
of the stream dead-letters each poison once into `<topic>.dlq`, with the record's original
headers plus the dlq-* ones, and then handles the good message (commits past it).

warta.notifications has no consumer (nothing subscribes to delivery events yet), so a poison
there waits for nobody and goes nowhere; it is not in this list.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared import topics
from shared.kafka import EventBus, make_broker
from shared.mongo import MongoHandle
from tests.faults import events
from tests.faults.broker import SUBSCRIBED, read_all
from tests.faults.figures import Figures
from tests.faults.harness import Stack
from tests.probes import eventually

pytestmark = pytest.mark.crash
STREAMS = (topics.REPORTS, topics.ARTICLES, topics.PUBLICATIONS, topics.ACCOUNTS)


def consumers_of(topic: str) -> list[str]:
    return [group for group, streams in SUBSCRIBED.items() if topic in streams]


async def committed_past(bootstrap: str, groups: list[str], tp: TopicPartition, offset: int
                         ) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
            if tp not in offsets or offsets[tp].offset <= offset:
                return False
        return True
    finally:
        await admin.close()


async def in_database(stack: Stack, service: str, collection: str, doc_id: str) -> bool:
    mongo = MongoHandle(stack.settings, service)
    try:
        return await mongo.db[collection].find_one({"_id": doc_id}) is not None
    finally:
        mongo.close()


async def queued_in_editorial(stack: Stack, article_id: str) -> None:
    """Publication events are about articles editorial knows; it waits for unknown ones."""
    broker = make_broker(stack.settings, "fault-producer")
    await broker.start()
    try:
        await EventBus(broker).publish_event(topics.REPORTS, events.submitted(article_id))
    finally:
        await broker.stop()
    await eventually(lambda: in_database(stack, "editorial", "articles", article_id),
                     "the article queued in editorial", 60)


EFFECT = {  # the good message's visible effect, beyond the commit
    topics.REPORTS: ("editorial", "articles"),
    topics.ARTICLES: ("publisher", "feed_items"),
    topics.ACCOUNTS: ("notifier", "accounts"),
}


@pytest.mark.parametrize("topic", STREAMS)
async def test_a_poison_message_is_dead_lettered_and_the_next_one_handled(
    topic: str, stack: Stack, figures_dir: Path,
) -> None:
    bootstrap, groups = stack.settings.kafka_bootstrap, consumers_of(topic)
    key = f"fault-{uuid.uuid4().hex}"
    if topic in (topics.ARTICLES, topics.PUBLICATIONS):
        await queued_in_editorial(stack, key)
    marker = uuid.uuid4().hex
    headers = [("traceparent", f"00-{marker}-{marker[:16]}-01".encode()),
               ("x-fault-marker", marker.encode())]
    good = events.GOOD[topic](key)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        started = time.monotonic()
        poisons = [await producer.send_and_wait(topic, value, key=key.encode(), headers=headers)
                   for value in (events.undecodable(marker),
                                 events.schema_invalid(topic, key, marker))]
        sent = await producer.send_and_wait(topic, good.to_bytes(), key=key.encode(),
                                            headers=[("event-type", good.type.encode())])
    finally:
        await producer.stop()
    tp = TopicPartition(topic, sent.partition)
    await eventually(lambda: committed_past(bootstrap, groups, tp, sent.offset),
                     f"every group of {topic} past the good message", 90)
    handled_s = round(time.monotonic() - started, 2)
    dead = [r for r in await read_all(bootstrap, topics.dead_letter(topic))
            if r.headers.get("x-fault-marker") == marker.encode() or good.id.encode() in r.value]
    figures = Figures(scenario=f"poison on {topic}", acknowledged=1, dead_letters=len(dead),
                      recover_s=handled_s,
                      extra={"groups": len(groups), "expected_dead_letters": 2 * len(groups)})
    if topic in EFFECT:
        service, collection = EFFECT[topic]
        doc_id = good.subject
        handled = await eventually(lambda: in_database(stack, service, collection, doc_id),
                                   f"the good message's effect in {service}", 30)
        figures.lost = 0 if handled else 1
    figures.write(figures_dir)

    assert good.id.encode() not in b"".join(r.value for r in dead), "the good one dead-lettered"
    assert len(dead) == 2 * len(groups), [(r.headers.get("dlq-error"), r.value[:60]) for r in dead]
    for poison in poisons:
        copies = [r for r in dead
                  if r.headers.get("dlq-original-offset") == str(poison.offset).encode()]
        assert len(copies) == len(groups), f"offset {poison.offset}: {len(copies)} copies"
        for copy in copies:
            assert copy.headers["traceparent"] == headers[0][1], "original headers dropped"
            assert copy.headers["dlq-original-topic"] == topic.encode()
            assert copy.headers["dlq-original-partition"] == str(poison.partition).encode()
            assert copy.headers["dlq-error"], "no reason recorded"
            assert copy.key == key.encode()
