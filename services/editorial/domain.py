"""Pure editorial rules: the article state machine and what each decision requires. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.vocabulary import CHANNELS, ArticleStatus

Status = ArticleStatus  # the one definition, shared with ingest


class Action(StrEnum):
    CLAIM = "claim"
    EDIT = "edit"
    COMMENT = "comment"
    REQUEST_REVISION = "request_revision"
    REJECT = "reject"
    APPROVE = "approve"
    CORRECT = "correct"
    TAKE_DOWN = "take_down"
    # driven by other services' events
    AMEND = "amend"
    WITHDRAW = "withdraw"
    MARK_PUBLISHED = "mark_published"


_LIVE = {Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED, Status.CORRECTED}

ALLOWED_FROM: dict[Action, frozenset[Status]] = {
    Action.CLAIM: frozenset({Status.SUBMITTED, Status.IN_REVIEW}),
    Action.EDIT: frozenset({Status.IN_REVIEW}),
    Action.COMMENT: frozenset(Status),
    Action.REQUEST_REVISION: frozenset({Status.IN_REVIEW}),
    Action.REJECT: frozenset({Status.SUBMITTED, Status.IN_REVIEW}),
    Action.APPROVE: frozenset({Status.IN_REVIEW}),
    Action.CORRECT: frozenset({Status.PUBLISHED, Status.CORRECTED}),
    Action.TAKE_DOWN: frozenset(_LIVE),
    Action.AMEND: frozenset({Status.SUBMITTED, Status.REVISION_REQUESTED}),
    Action.WITHDRAW: frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.REVISION_REQUESTED}),
    Action.MARK_PUBLISHED: frozenset({Status.APPROVED, Status.SCHEDULED}),
}

# Channels an editor may approve for; which are configured is the publisher's business.
KNOWN_CHANNELS = CHANNELS


class DecisionRefused(Exception):
    """The decision is not allowed in the article's current state; the message says why."""


def check_allowed(action: Action, status: Status) -> None:
    if status not in ALLOWED_FROM[action]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_FROM[action]))
        raise DecisionRefused(
            f"Cannot {action.value.replace('_', ' ')} an article that is {status.value}; "
            f"allowed when: {allowed}.")


def status_after_approval(publish_at: datetime | None, now: datetime) -> Status:
    """An embargoed article is scheduled; otherwise approved until the publisher confirms."""
    return Status.SCHEDULED if publish_at is not None and publish_at > now else Status.APPROVED


def check_channels(channels: list[str]) -> list[str]:
    unknown = sorted(set(channels) - set(KNOWN_CHANNELS))
    if unknown:
        raise DecisionRefused(
            f"Unknown channels {unknown}; choose from {list(KNOWN_CHANNELS)}.")
    if not channels:
        raise DecisionRefused("Choose at least one channel to publish to.")
    return sorted(set(channels), key=KNOWN_CHANNELS.index)


@dataclass(frozen=True)
class Editable:
    """The fields an editor may change; None means unchanged."""

    headline: str | None = None
    body_html: str | None = None
    summary: str | None = None
    category: str | None = None
    tags: list[str] | None = None

    def changes(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}
