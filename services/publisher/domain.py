"""Pure rules of a publication (one article on one channel): ids, states, backoff, links."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from shared.vocabulary import CHANNELS, Channel, ChannelHealth

FEED = Channel.FEED.value
# Channels editors may request; each but the feed needs its settings (see channels.py).
KNOWN_CHANNELS = CHANNELS
MAX_ATTEMPTS = 5
BASE_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
# A network's own "retry after" (429, X's reset time) is honoured up to this; beyond, it is a
# misreading or an outage the backoff budget should not wait out in one go.
MAX_RETRY_AFTER = timedelta(hours=1)
LEASE = timedelta(seconds=60)
NOT_CONFIGURED = "channel not configured"
NO_ADAPTER = "channel configured, but this version has no adapter for it yet"
UNKNOWN_CHANNEL = "unknown channel"


class State(StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"
    DEAD = "dead"
    TAKEN_DOWN = "taken_down"
    NEEDS_REVIEW = "needs_review"  # the network may have posted it: an editor looks, never a guess
    CANCELLED = "cancelled"  # called off before it went out (chief editor, embargo cancelled)


# A channel's health: the contract's values (shared.vocabulary), named as the publisher uses it.
Health = ChannelHealth


# Shown to editors (Bahasa Indonesia) when a post may exist that we could not confirm.
AMBIGUOUS_MESSAGE = (
    "Kiriman ke {channel} mungkin sudah terbit, tetapi Warta tidak dapat memastikannya "
    "(proses terhenti sebelum jawaban jaringan tercatat). Periksa akun {channel}: bila "
    "kiriman belum ada, klik Coba lagi; bila sudah ada, jangan dikirim ulang.")
MANUAL_EDIT = "Ralat tidak dapat dikirim otomatis ke {channel}; ubah kiriman ini secara manual."
MANUAL_DELETE = "Kiriman di {channel} tidak dapat dihapus otomatis; hapus secara manual."

# States from which a publication may (still) be posted, by the consumer or the scheduler.
POSTABLE = (State.PENDING, State.SCHEDULED, State.FAILED)
RETRYABLE = (State.FAILED, State.DEAD, State.NEEDS_REVIEW)
# A chief editor may call off what has not gone out; a cancelled embargo also the failed ones.
CANCELLABLE = (State.PENDING, State.SCHEDULED, State.NEEDS_REVIEW)
UNPOSTED = (*POSTABLE, State.NEEDS_REVIEW)
# Where a post that lands after the publication left the postable states is withdrawn again.
WITHDRAWN = (State.TAKEN_DOWN, State.CANCELLED)


def publication_id(article_id: str, channel: str) -> str:
    return f"{article_id}:{channel}"


def channel_of(pub_id: str) -> str:
    """The channel part of a publication id (`publication_id`)."""
    return pub_id.rsplit(":", 1)[-1]


def requested_channels(channels: list[str]) -> list[str]:
    """Each requested channel once, in the editor's order; names are case-insensitive."""
    seen: list[str] = []
    for channel in channels:
        name = channel.strip().lower()
        if name and name not in seen:
            seen.append(name)
    return seen


def initial_state(publish_at: datetime | None, now: datetime) -> tuple[State, datetime]:
    """An embargo in the future schedules the publication; otherwise it is due now."""
    if publish_at is not None and publish_at > now:
        return State.SCHEDULED, publish_at
    return State.PENDING, now


def after_failure(attempts: int, permanent: bool, now: datetime,
                  retry_after: float | None = None) -> tuple[State, datetime]:
    """`attempts` counts this failure. Exponential backoff until the budget is spent; the
    network's own `retry_after` (seconds) is waited at least, up to MAX_RETRY_AFTER."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return State.DEAD, now
    delay = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** (attempts - 1))
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(MAX_RETRY_AFTER, timedelta(seconds=retry_after)))
    return State.FAILED, now + delay


def unavailable_reason(channel: str, has_adapter: bool, configured: bool) -> str | None:
    """Why a requested channel cannot be posted to now; None when it can."""
    if has_adapter:
        return None
    if channel not in KNOWN_CHANNELS:
        return UNKNOWN_CHANNEL
    return NO_ADAPTER if configured else NOT_CONFIGURED


def channel_status(channel: str, has_adapter: bool, configured: bool) -> str:
    """For /readyz: "on", or "off" (settings unset), or why a configured channel is still off."""
    reason = unavailable_reason(channel, has_adapter, configured)
    if reason is None:
        return "on"
    return "off" if reason == NOT_CONFIGURED else f"off: {reason}"


def article_url(website_base_url: str, article_id: str) -> str:
    return f"{website_base_url.rstrip('/')}/berita/{article_id}"
