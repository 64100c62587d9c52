"""A served editorial desk for the channel tests, and `channel.health_changed` events put on
the real publications stream as the publisher emits them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import datetime

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.channels import CHANNEL_HEALTH_CHANGED, ChannelHealthChangedV1
from shared.kafka import ensure_topics
from tests.conftest import Infra
from tests.integration.editorial.desk_support import Desk, desk
from tests.probes import eventually

SITE = "https://makassarkota.example"
GROUP = "warta-editorial"


@contextlib.contextmanager
def office_desk(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra, website_base_url=SITE) as running:
        asyncio.run(ensure_topics(running.settings.kafka_bootstrap))
        yield running


def changed(channel: str, health: str, checked_at: datetime, reason: str | None = None
            ) -> Envelope:
    """As the publisher's health check emits it (health_handlers._changed)."""
    return root_event(
        type=CHANNEL_HEALTH_CHANGED, version=1, source="publisher", subject=channel,
        data=ChannelHealthChangedV1(channel=channel, health=health, previous="healthy",
                                    reason=reason, account="@humas_bot", checked_at=checked_at),
        correlation_id=f"channel:{channel}")


async def produce(office: Desk, envelope: Envelope) -> TopicPartition:
    """Onto the publications stream, keyed and headed as shared.kafka.EventBus does; waits
    until editorial's group has committed past it (handled, or dead-lettered)."""
    bootstrap = office.settings.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            topics.PUBLICATIONS, envelope.to_bytes(), key=envelope.subject.encode(), headers=[
                ("content-type", b"application/json"), ("event-type", envelope.type.encode()),
                ("event-version", b"1")])
    finally:
        await producer.stop()
    tp = TopicPartition(topics.PUBLICATIONS, sent.partition)

    async def committed() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(GROUP, partitions=[tp])
        finally:
            await admin.close()
        return tp in offsets and offsets[tp].offset > sent.offset

    await eventually(committed, f"editorial past {envelope.type} at {sent.offset}", 60)
    return tp
