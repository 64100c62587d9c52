"""Kafka consumption with Warta's guarantees: commit only after handling or dead-lettering.

- Transient failures (database or broker down, timeouts, a receiver's 5xx/429) are retried in
  process (shared.retry: exponential backoff with jitter), bounded well under
  `max_poll_interval_ms`; when the budget is spent the message is not committed but sought back,
  after a growing pause, so an outage never becomes a hot loop and nothing is lost.
- Permanent failures (undecodable, unknown schema, invalid data, a handler's PermanentError or
  any other bug) go to `<topic>.dlq` with the original headers plus diagnostic `dlq-*` ones; the
  commit waits for that publish. If the dead-letter publish (or the commit) fails, the message
  is given back the same way and tried again later: it is never skipped.
- Event types a service does not handle are acknowledged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
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
from shared.retry import backoff_delays, retrying

log = logging.getLogger("warta.consumer")

EventHandler = Callable[[Envelope], Awaitable[None]]

CONSUMED = Counter("warta_events_consumed_total", "Events handled", ["topic", "type", "outcome"])
RETRIES = Counter("warta_event_retries_total", "Transient failures retried", ["topic"])

SESSION_TIMEOUT_MS = 10_000
MAX_POLL_INTERVAL_MS = 300_000


@dataclass(frozen=True)
class RetryPolicy:
    """In-process retries of one message, then pauses between give-backs (all in seconds).
    Worst case per delivery: `budget` + `outage_pause_max`, far under the poll interval."""

    attempts: int = 5
    wait_initial: float = 0.2
    wait_max: float = 5.0
    budget: float = 60.0
    outage_pause_initial: float = 1.0
    outage_pause_max: float = 30.0


async def _raw_body(message: Any, original: Any = None) -> Any:
    return message.body  # the wrapper decodes; FastStream must not


class _Unsettled(Exception):
    """Transient failures outlasted the in-process budget."""


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
        self._pauses = self._fresh_pauses()

        async def consume(body: Envelope) -> None:  # `body` is raw bytes; annotated for AsyncAPI
            message: KafkaMessage = bus.broker.context.get_local("message")
            await self._consume(cast(bytes, body), message)

        bus.broker.subscriber(
            topic, group_id=group_id, auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body, max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
            # A member killed with -9 holds its partitions until its session expires; a
            # restarted instance's join waits for that. 10 s (heartbeats every 3 s, from their
            # own task, so a busy handler does not miss them) bounds recovery after a crash.
            session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=3_000,
            title=f"{group_id}:{topic}", description=f"handles {', '.join(sorted(handlers))}",
        )(consume)

    def _fresh_pauses(self) -> Iterator[float]:
        return backoff_delays(self._policy.outage_pause_initial, self._policy.outage_pause_max)

    async def _consume(self, raw: bytes, message: KafkaMessage) -> None:
        try:
            envelope: Envelope | None = Envelope.model_validate_json(raw)
            error = ""
        except ValidationError as exc:
            envelope, error = None, f"undecodable envelope: {exc}"
        token = correlation_id.set(envelope.correlation_id if envelope else None)
        try:
            if envelope is None:
                await self._dead_letter(raw, message, None, error, 1)
            else:
                await self._dispatch(raw, message, envelope)
            self._pauses = self._fresh_pauses()
        except Exception as exc:  # not settled: retry budget spent, dead-letter or commit failed
            await self._give_back(message, envelope, exc)
        finally:
            correlation_id.reset(token)

    async def _dispatch(self, raw: bytes, message: KafkaMessage, envelope: Envelope) -> None:
        handler = self._handlers.get(envelope.type)
        if handler is None:
            CONSUMED.labels(self._topic, envelope.type, "skipped").inc()
            await message.ack()
            return
        attempts = 0
        policy = self._policy
        try:
            async for attempt in retrying(attempts=policy.attempts, timeout=policy.budget,
                                          wait_initial=policy.wait_initial,
                                          wait_max=policy.wait_max):
                with attempt:
                    attempts = attempt.num
                    await self._attempt(handler, envelope, attempts)
        except (UnknownEvent, ValidationError, PermanentError) as exc:
            await self._dead_letter(raw, message, envelope, repr(exc), attempts)
            return
        except TRANSIENT as exc:
            raise _Unsettled(repr(exc)) from exc
        except Exception as exc:
            log.exception("handler failed permanently", extra={"event_id": envelope.id})
            await self._dead_letter(raw, message, envelope, repr(exc), attempts)
            return
        CONSUMED.labels(self._topic, envelope.type, "handled").inc()
        await message.ack()

    async def _attempt(self, handler: EventHandler, envelope: Envelope, number: int) -> None:
        try:
            parse_data(envelope)  # schema check before any effect
            await handler(envelope)
        except TRANSIENT as exc:
            RETRIES.labels(self._topic).inc()
            log.warning("transient failure", extra={
                "event_id": envelope.id, "event_type": envelope.type, "attempt": number,
                "error": repr(exc)})
            raise

    async def _give_back(self, message: KafkaMessage, envelope: Envelope | None,
                         error: Exception) -> None:
        """Not settled: do not commit; pause longer each time in a row, then rewind to it."""
        pause = next(self._pauses)
        log.error("message not settled; will redeliver", extra={
            "event_id": envelope.id if envelope else "?", "error": repr(error),
            "pause_s": round(pause, 2)})
        CONSUMED.labels(self._topic, envelope.type if envelope else "?", "redelivered").inc()
        await asyncio.sleep(pause)
        await message.nack()

    async def _dead_letter(
        self, raw: bytes, message: KafkaMessage, envelope: Envelope | None, error: str,
        attempts: int,
    ) -> None:
        record = message.raw_message
        headers = _original_headers(record)
        headers.update({
            "dlq-original-topic": self._topic,
            "dlq-original-partition": str(getattr(record, "partition", "")),
            "dlq-original-offset": str(getattr(record, "offset", "")),
            "dlq-event-id": envelope.id if envelope else "",
            "dlq-error": error[:1000],
            "dlq-attempts": str(attempts),
        })
        # Must succeed before the commit; if it raises, the message is given back, not acked.
        await self._bus.broker.publish(
            raw, topic=topics.dead_letter(self._topic), key=getattr(record, "key", None),
            headers=headers, correlation_id=headers.get("correlation_id"))
        log.error("dead-lettered", extra={"event_id": headers["dlq-event-id"], "error": error})
        CONSUMED.labels(self._topic, envelope.type if envelope else "?", "dead_lettered").inc()
        await message.ack()


def _original_headers(record: Any) -> dict[str, str]:
    """The consumed record's headers, kept on the dead letter (values are text in Warta; a
    stray non-UTF-8 byte is replaced rather than refused)."""
    return {key: (value or b"").decode("utf-8", "replace")
            for key, value in getattr(record, "headers", None) or ()}


def subscribe(
    bus: EventBus, topic: str, service: str, handlers: Mapping[str, EventHandler],
) -> Subscription:
    """Register `service`'s consumer group on `topic`."""
    return Subscription(bus, topic, f"warta-{service}", handlers)
