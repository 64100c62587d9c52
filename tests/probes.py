"""What the integration tests use to talk to the real broker: produce events, read topics back,
and wait for a condition. The topics are shared by the whole test session, so every reader
filters for its own ids and skips what other tests put there (poison messages, markers)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer

from shared import topics
from shared.envelope import Envelope
from shared.kafka import EventBus, make_broker
from shared.settings import Settings

T = TypeVar("T")
# Each stream carries one aggregate's events; the event type's first word names the aggregate.
STREAM_OF = {"report": topics.REPORTS, "article": topics.ARTICLES,
             "publication": topics.PUBLICATIONS, "delivery": topics.NOTIFICATIONS,
             "account": topics.ACCOUNTS}


async def publish(settings: Settings, *envelopes: Envelope) -> None:
    """Produce envelopes, each onto its aggregate's stream, as the owning service would."""
    broker = make_broker(settings, "test-producer")
    await broker.start()
    try:
        bus = EventBus(broker)
        for envelope in envelopes:
            await bus.publish_event(STREAM_OF[envelope.type.split(".")[0]], envelope)
    finally:
        await broker.stop()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str,
                     patience: float = 40.0) -> T:
    """Poll until `probe` returns something truthy, and return it."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never happened within {patience} s: {what}")


async def read_topic(bootstrap: str, topic: str, wanted: int, patience: float = 30.0
                     ) -> list[tuple[bytes, dict[str, bytes]]]:
    """Raw records (value, headers) from the start of the topic, until `wanted` or `patience`."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"probe-{uuid.uuid4().hex}")
    await consumer.start()
    found: list[tuple[bytes, dict[str, bytes]]] = []
    try:
        deadline = time.monotonic() + patience
        while len(found) < wanted and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found.extend((r.value or b"", dict(r.headers)) for r in records)
    finally:
        await consumer.stop()
    return found


def envelopes_in(records: list[tuple[bytes, dict[str, bytes]]]) -> list[dict[str, Any]]:
    """The envelopes among raw records, skipping what is not one."""
    found = []
    for value, _ in records:
        try:
            event = json.loads(value)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("data"), dict):
            found.append(event)
    return found


async def collect_envelopes(bootstrap: str, topic: str, match: Callable[[dict[str, Any]], bool],
                            *, wanted: int, patience: float = 20.0, quiet: float = 0.0
                            ) -> list[dict[str, Any]]:
    """The matching envelopes, in topic order: read until `wanted` have come and then nothing
    more for `quiet` seconds (so a duplicate would show), or until `patience` runs out."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"probe-{uuid.uuid4().hex}")
    await consumer.start()
    mine: list[dict[str, Any]] = []
    try:
        deadline, last_seen = time.monotonic() + patience, time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            records = [(r.value or b"", dict(r.headers)) for rs in batch.values() for r in rs]
            new = [e for e in envelopes_in(records) if match(e)]
            if new:
                mine += new
                last_seen = time.monotonic()
            if len(mine) >= wanted and time.monotonic() - last_seen >= quiet:
                break
    finally:
        await consumer.stop()
    return mine


async def caught_up(bootstrap: str, group: str, topic: str, patience: float = 60.0) -> None:
    """Wait until `group` has committed to the end of `topic` as it is now: what other tests
    left in the shared topic is behind it, so it cannot reach this test's fresh projection."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await reader.start()
    try:
        await reader.topics()  # the cluster's metadata, so the topic's partitions are known
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        ends = await reader.end_offsets(partitions)
    finally:
        await reader.stop()

    async def committed() -> bool | None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            done = await admin.list_consumer_group_offsets(group, partitions=partitions)
        finally:
            await admin.close()
        return all(end == 0 or (tp in done and done[tp].offset >= end)
                   for tp, end in ends.items()) or None

    await eventually(committed, f"{group} past what {topic} held", patience)
