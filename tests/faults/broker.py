"""Reading the real broker after a fault: whole topics up to their end, and consumer lag."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared import topics

# Which streams each service's group consumes (services/*/consumers.py, shared/accounts.py).
SUBSCRIBED = {
    "warta-editorial": (topics.REPORTS, topics.PUBLICATIONS, topics.OPDS, topics.AUDIT),
    "warta-ingest": (topics.ARTICLES, topics.PUBLICATIONS, topics.ACCOUNTS),
    "warta-publisher": (topics.ARTICLES, topics.ACCOUNTS),
    "warta-notifier": (topics.ARTICLES, topics.PUBLICATIONS, topics.ACCOUNTS),
    # The notifier's messages to Warta's own users: a group of its own (own_users_wiring).
    "warta-notifier-own-users": (topics.ARTICLES, topics.PUBLICATIONS, topics.OPDS),
}


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    def envelope(self) -> dict[str, Any] | None:
        try:
            event = json.loads(self.value)
        except ValueError:
            return None
        return event if isinstance(event, dict) and isinstance(event.get("data"), dict) else None


async def read_all(bootstrap: str, topic: str) -> list[Record]:
    """Every record of `topic` up to its end offsets at the time of the call, in partition
    order (the order one consumer sees for one key)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=f"probe-{uuid.uuid4().hex}")
    await consumer.start()
    found: list[Record] = []
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)
                      or await _partitions(consumer, topic)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for records in batch.values():
                found.extend(Record(r.topic, r.partition, r.offset, r.key, r.value or b"",
                                    dict(r.headers)) for r in records)
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()
    return found


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def lag(bootstrap: str) -> dict[str, int]:
    """Messages each service group has not committed past yet, on the streams it consumes."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        behind: dict[str, int] = {}
        for group, streams in SUBSCRIBED.items():
            committed = await admin.list_consumer_group_offsets(group)
            partitions = [TopicPartition(t, p) for t in streams
                          for p in (consumer.partitions_for_topic(t)
                                    or await _partitions(consumer, t))]
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            behind[group] = sum(
                ends[tp] - (committed[tp].offset if tp in committed else starts[tp])
                for tp in partitions)
        return behind
    finally:
        await consumer.stop()
        await admin.close()
