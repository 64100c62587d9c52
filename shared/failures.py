"""The failure taxonomy every entry point shares: transient (retry) or permanent (refuse)."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaError

from shared.mongo import TRANSIENT_ERRORS


class TransientError(Exception):
    """Worth retrying: the same input may succeed later (timeout, 5xx, 429, outage)."""


class PermanentError(Exception):
    """Retrying will not help: a consumer dead-letters the message."""


# Every KafkaError counts, not only those aiokafka marks `retriable` (its KafkaTimeoutError and
# RequestTimedOutError are not): a broker refusal that retrying cannot fix (a missing topic, a
# record too large) must stall and alert, never let a commit move past an unsettled message.
TRANSIENT: tuple[type[Exception], ...] = (
    TransientError, *TRANSIENT_ERRORS, KafkaError, OSError, asyncio.TimeoutError,
)
