"""Kafka consumption with Warta's guarantees: commit only after handling or dead-lettering.

- Transient failures (database or broker down, timeouts, a receiver's 5xx/429) are retried in
  process with exponential backoff and jitter, bounded well under `max_poll_interval_ms`; when
  the budget is spent the message is not committed but sought back, after a growing pause, so an
  outage never becomes a hot loop and nothing is lost.
- Permanent failures (undecodable, unknown schema, invalid data, a handler's PermanentError or
  any other bug) go to `<topic>.dlq` with diagnostic headers; the commit waits for that publish.
- Event types a service does not handle are acknowledged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from faststream.kafka.message import KafkaMessage
from faststream.middlewares import AckPolicy
from prometheus_client import Counter
from pydantic import ValidationError

from shared import topics
from shared.envelope import Envelope
from shared.events import UnknownEvent, parse_data
from shared.failures import TRANSIENT, PermanentError
from shared.kafka import EventBus
from shared.logging import correlation_id

log = logging.getLogger("warta.consumer")

EventHandler = Callable[[Envelope], Awaitable[None]]

CONSUMED = Counter("warta_events_consumed_total", "Events handled", ["topic", "type", "outcome"])
RETRIES = Counter("warta_event_retries_total", "Transient failures retried", ["topic"])


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0
    outage_pause_max: float = 30.0

    def delay(self, attempt: int) -> float:
        capped: float = min(self.max_delay, self.base_delay * 2**attempt)
        return capped / 2 + random.uniform(0, capped / 2)  # noqa: S311 - jitter, not crypto


async def _raw_body(message: Any, original: Any = None) -> Any:
    return message.body  # the wrapper decodes; FastStream must not


class Subscription:
    """One consumer group member for one topic, dispatching envelopes by event type."""

    def __init__(
        self, bus: EventBus, topic: str, group_id: str, handlers: Mapping[str, EventHandler],
        policy: RetryPolicy | None = None,
    ) -> None:
        self._bus = bus
        self._topic = topic
        self._handlers = dict(handlers)
        self._policy = policy or RetryPolicy()
        self._outage_pause = self._policy.base_delay

        async def consume(body: Envelope) -> None:  # `body` is raw bytes; annotated for AsyncAPI
            message: KafkaMessage = bus.broker.context.get_local("message")
            await self._consume(cast(bytes, body), message)

        bus.broker.subscriber(
            topic, group_id=group_id, auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body, max_poll_interval_ms=300_000, session_timeout_ms=30_000,
            title=f"{group_id}:{topic}", description=f"handles {', '.join(sorted(handlers))}",
        )(consume)

    async def _consume(self, raw: bytes, message: KafkaMessage) -> None:
        try:
            envelope = Envelope.model_validate_json(raw)
        except ValidationError as exc:
            try:
                await self._dead_letter(raw, message, None, f"undecodable envelope: {exc}", 1)
            except TRANSIENT as publish_error:
                log.error("could not dead-letter", extra={"error": repr(publish_error)})
                await self._give_back(message, "?", "?")
            return
        token = correlation_id.set(envelope.correlation_id)
        try:
            await self._dispatch(raw, message, envelope)
        except TRANSIENT as exc:  # the dead-letter publish or the commit itself failed
            log.error("could not settle message", extra={"error": repr(exc)})
            await self._give_back(message, envelope.id, envelope.type)
        finally:
            correlation_id.reset(token)

    async def _dispatch(self, raw: bytes, message: KafkaMessage, envelope: Envelope) -> None:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            CONSUMED.labels(self._topic, envelope.type, "skipped").inc()
            await message.ack()
            return
        for attempt in range(self._policy.attempts):
            try:
                parse_data(envelope)  # schema check before any effect
                await handler(envelope)
            except (UnknownEvent, ValidationError, PermanentError) as exc:
                await self._dead_letter(raw, message, envelope, repr(exc), attempt + 1)
                return
            except TRANSIENT as exc:
                RETRIES.labels(self._topic).inc()
                log.warning("transient failure, retrying", extra={
                    "event_id": envelope.id, "event_type": envelope.type,
                    "attempt": attempt + 1, "error": repr(exc)})
                await asyncio.sleep(self._policy.delay(attempt))
                continue
            except Exception as exc:
                log.exception("handler failed permanently", extra={"event_id": envelope.id})
                await self._dead_letter(raw, message, envelope, repr(exc), attempt + 1)
                return
            self._outage_pause = self._policy.base_delay
            CONSUMED.labels(self._topic, envelope.type, "handled").inc()
            await message.ack()
            return
        await self._give_back(message, envelope.id, envelope.type)

    async def _give_back(self, message: KafkaMessage, event_id: str, event_type: str) -> None:
        """Budget spent on transient errors: do not commit; pause longer each time, then rewind."""
        self._outage_pause = min(self._outage_pause * 2, self._policy.outage_pause_max)
        log.error("still failing after retries; will redeliver", extra={
            "event_id": event_id, "pause_s": self._outage_pause})
        CONSUMED.labels(self._topic, event_type, "redelivered").inc()
        await asyncio.sleep(self._outage_pause)
        await message.nack()

    async def _dead_letter(
        self, raw: bytes, message: KafkaMessage, envelope: Envelope | None, error: str,
        attempts: int,
    ) -> None:
        record = message.raw_message
        headers = {
            "dlq-original-topic": self._topic,
            "dlq-original-partition": str(getattr(record, "partition", "")),
            "dlq-original-offset": str(getattr(record, "offset", "")),
            "dlq-event-id": envelope.id if envelope else "",
            "dlq-error": error[:1000],
            "dlq-attempts": str(attempts),
        }
        key = getattr(record, "key", None)
        # Must succeed before the commit; if it raises, the message is not acknowledged.
        await self._bus.broker.publish(
            raw, topic=topics.dead_letter(self._topic), key=key, headers=headers)
        log.error("dead-lettered", extra={"event_id": headers["dlq-event-id"], "error": error})
        CONSUMED.labels(self._topic, envelope.type if envelope else "?", "dead_lettered").inc()
        await message.ack()


def subscribe(
    bus: EventBus, topic: str, service: str, handlers: Mapping[str, EventHandler],
) -> Subscription:
    """Register `service`'s consumer group on `topic`."""
    return Subscription(bus, topic, f"warta-{service}", handlers)
