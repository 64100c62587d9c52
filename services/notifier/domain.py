"""The notifier's rules, without I/O: who gets what, delivery states, backoff, plain text."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from html.parser import HTMLParser

from shared.vocabulary import NotificationChannel

MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_BASE = 30.0  # seconds; tests inject a small one
BACKOFF_CAP = 3600.0
# A sender that crashed mid-send is retried after this; a live sender renews it every third.
SENDING_LEASE = timedelta(seconds=30)

CHANNEL_EMAIL = NotificationChannel.EMAIL.value


class Kind(StrEnum):
    PRESS_RELEASE = "press_release"
    INVITATION = "invitation"
    CORRECTION = "correction"  # "Ralat": to everyone who got the press release
    WITHDRAWAL = "withdrawal"  # the article was taken down: to everyone who got it


# Lower goes first: time-critical notices never wait behind a large fan-out.
URGENT, NORMAL = 0, 1
URGENT_KINDS = frozenset({Kind.CORRECTION, Kind.WITHDRAWAL})


def priority_of(kind: Kind) -> int:
    return URGENT if kind in URGENT_KINDS else NORMAL


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"  # the article was taken down before it was sent: never sent
    SUPPRESSED = "suppressed"  # not sent: unsubscribed, or the address bounced too often


RETRYABLE_STATES = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)


def delivery_id(article_id: str, journalist_id: str, kind: Kind, occasion: str = "") -> str:
    """One delivery per (article, recipient, kind[, occasion]): the `_id`, so it is created
    once; `occasion` tells two corrections of one article apart (the article version)."""
    suffix = f":{occasion}" if occasion else ""
    return f"{article_id}:{journalist_id}:{kind.value}{suffix}"


def interleave(due: Sequence[tuple[str, str]]) -> list[str]:
    """Delivery ids in round-robin order across articles ((delivery_id, article_id) pairs, in
    their stored order): one article's long fan-out never holds a batch to itself."""
    queues: dict[str, list[str]] = {}
    for delivery, article in due:
        queues.setdefault(article, []).append(delivery)
    order: list[str] = []
    rank = 0
    while len(order) < len(due):
        order += [q[rank] for q in queues.values() if rank < len(q)]
        rank += 1
    return order


# ---- subscriptions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Subscription:
    opd_ids: Sequence[str] = ()
    categories: Sequence[str] = ()
    active: bool = True

    def matches(self, opd_id: str, category: str) -> bool:
        """Empty lists mean "all"; categories compare case-insensitively."""
        if not self.active:
            return False
        if self.opd_ids and opd_id not in self.opd_ids:
            return False
        wanted = {c.casefold() for c in self.categories}
        return not wanted or category.casefold() in wanted


def normalize_categories(categories: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for category in categories:
        cleaned = category.strip().casefold()
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen


def unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


# ---- retries ---------------------------------------------------------------------------------

def backoff(attempts: int, base: float = DEFAULT_BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base, 2*base, 4*base ... capped."""
    if attempts < 1:
        return 0.0
    delay: float = min(cap, base * 2 ** (attempts - 1))
    return delay


@dataclass(frozen=True)
class Outcome:
    """What a failed attempt turns the delivery into."""

    state: DeliveryState
    next_attempt_at: datetime | None

    @property
    def dead(self) -> bool:
        return self.state is DeliveryState.DEAD


def after_failure(attempts: int, permanent: bool, now: datetime,
                  base: float = DEFAULT_BACKOFF_BASE) -> Outcome:
    """`attempts` counts this one. Permanent errors and a spent budget are final."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return Outcome(DeliveryState.DEAD, None)
    return Outcome(DeliveryState.FAILED, now + timedelta(seconds=backoff(attempts, base)))


def smtp_code_is_permanent(code: int | None) -> bool:
    """SMTP 5xx: the receiver refuses for good; 4xx and connection trouble: try again later."""
    return code is not None and 500 <= code <= 599


def invitation_is_upcoming(starts_at: datetime | None, now: datetime) -> bool:
    return starts_at is not None and _aware(starts_at) > now


# ---- unsubscribe tokens ----------------------------------------------------------------------

def new_token_nonce() -> str:
    return secrets.token_urlsafe(16)


def unsubscribe_token(secret: str, journalist_id: str, nonce: str) -> str:
    """Unguessable without the server secret; re-derivable when an email is rendered, so the
    database keeps only a random nonce and the token's SHA-256, never the token itself."""
    message = f"warta-unsubscribe:{journalist_id}:{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---- text ------------------------------------------------------------------------------------

class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "br", "li", "h2", "h3", "h4", "blockquote", "tr", "hr", "figure",
                        "figcaption", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of sanitized article HTML: paragraphs kept, tags gone."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    paragraphs: list[str] = []
    for line in lines:
        if line:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def one_line(text: str, limit: int = 200) -> str:
    """Header-safe: no line breaks, bounded."""
    return " ".join(text.split())[:limit]
