"""The failure taxonomy every entry point shares: transient (retry) or permanent (refuse)."""

from __future__ import annotations

import asyncio

from shared.mongo import TRANSIENT_ERRORS


class TransientError(Exception):
    """Worth retrying: the same input may succeed later (timeout, 5xx, 429, outage)."""


class PermanentError(Exception):
    """Retrying will not help: a consumer dead-letters the message."""


TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError, *TRANSIENT_ERRORS, OSError, asyncio.TimeoutError,
)
