"""Kafka wiring: the broker factory with a safe producer, envelope publishing, topic creation."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import REGISTRY

from shared import topics
from shared.envelope import Envelope
from shared.settings import Settings

log = logging.getLogger("warta.kafka")


def make_broker(settings: Settings, service: str) -> KafkaBroker:
    """Idempotent producer (forces acks=all), short linger; typed payloads, no auto-validation.

    `apply_types=False` because the consumer wrapper parses envelopes itself: a poison message
    must reach the dead-letter topic, not fail inside FastStream before our code sees it.
    """
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"warta-{service}",
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=15_000,
        allow_auto_create_topics=False,
        apply_types=False,
        logger=logging.getLogger(f"warta.{service}.faststream"),
        log_level=logging.DEBUG,
        description=f"Warta {service} service",
        # consume/publish counts, sizes and latencies on /metrics, per topic
        middlewares=[KafkaPrometheusMiddleware(registry=REGISTRY, app_name=f"warta-{service}")],
    )


class EventBus:
    """Publishes envelopes keyed by aggregate id, with the type also in the headers."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def publish_event(self, topic: str, envelope: Envelope) -> None:
        await self.broker.publish(
            envelope.to_bytes(),
            topic=topic,
            key=envelope.subject.encode(),
            headers={
                "content-type": "application/json",
                "event-type": envelope.type,
                "event-version": str(envelope.version),
            },
            correlation_id=envelope.correlation_id,
        )

    async def ping(self) -> None:
        """A real Metadata round trip, not an open port."""
        if not await self.broker.ping(timeout=3.0):
            raise ConnectionError("Kafka broker did not answer a metadata request")


async def ensure_topics(bootstrap: str) -> None:
    """Create every stream and its dead-letter topic explicitly (auto-creation is off)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="warta-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=t, num_partitions=topics.PARTITIONS, replication_factor=1,
                     topic_configs=topics.CONFIGS.get(t, {}))
            for t in topics.all_topics() if t not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
                await admin.create_topics(missing)
            log.info("created topics", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()
