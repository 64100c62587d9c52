"""Pure editorial rules: the article state machine and what each decision requires. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.vocabulary import CHANNELS, ArticleStatus

Status = ArticleStatus  # the one definition, shared with ingest


class Action(StrEnum):
    CLAIM = "claim"
    TAKE_OVER = "take_over"
    EDIT = "edit"
    RESTORE = "restore"
    COMMENT = "comment"
    MARK_READY = "mark_ready"
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
    Action.TAKE_OVER: frozenset({Status.IN_REVIEW}),
    Action.EDIT: frozenset({Status.IN_REVIEW}),
    Action.RESTORE: frozenset({Status.IN_REVIEW}),
    Action.COMMENT: frozenset(Status),
    Action.MARK_READY: frozenset({Status.IN_REVIEW}),
    Action.REQUEST_REVISION: frozenset({Status.IN_REVIEW}),
    Action.REJECT: frozenset({Status.SUBMITTED, Status.IN_REVIEW}),
    Action.APPROVE: frozenset({Status.IN_REVIEW}),
    Action.CORRECT: frozenset({Status.PUBLISHED, Status.CORRECTED}),
    Action.TAKE_DOWN: frozenset(_LIVE),
    Action.AMEND: frozenset({Status.SUBMITTED, Status.REVISION_REQUESTED}),
    Action.WITHDRAW: frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.REVISION_REQUESTED}),
    Action.MARK_PUBLISHED: frozenset({Status.APPROVED, Status.SCHEDULED}),
}

# The least role each decision needs (roles are cumulative: shared.auth.ROLES).
ROLE_FOR: dict[Action, str] = {
    Action.CLAIM: "editor", Action.EDIT: "editor", Action.RESTORE: "editor",
    Action.COMMENT: "editor", Action.MARK_READY: "editor", Action.REQUEST_REVISION: "editor",
    Action.TAKE_OVER: "chief_editor", Action.REJECT: "chief_editor",
    Action.APPROVE: "chief_editor", Action.CORRECT: "chief_editor",
    Action.TAKE_DOWN: "chief_editor",
}

# Channels an editor may approve for; which are configured is the publisher's business.
KNOWN_CHANNELS = CHANNELS


class DecisionRefused(Exception):
    """The decision is not allowed in the article's current state; the message says why."""


def check_allowed(action: Action, status: Status) -> None:
    if status not in ALLOWED_FROM[action]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_FROM[action]))
        raise DecisionRefused(
            f"Tindakan '{action.value}' tidak dapat dilakukan pada artikel berstatus "
            f"{status.value}; hanya boleh saat: {allowed}.")


def status_after_approval(publish_at: datetime | None, now: datetime) -> Status:
    """An embargoed article is scheduled; otherwise approved until the publisher confirms."""
    return Status.SCHEDULED if publish_at is not None and publish_at > now else Status.APPROVED


def check_channels(channels: list[str]) -> list[str]:
    unknown = sorted(set(channels) - set(KNOWN_CHANNELS))
    if unknown:
        raise DecisionRefused(
            f"Kanal tidak dikenal {unknown}; pilih dari {list(KNOWN_CHANNELS)}.")
    if not channels:
        raise DecisionRefused("Pilih paling sedikit satu kanal (at least one channel).")
    return sorted(set(channels), key=KNOWN_CHANNELS.index)


# What a content version is made of; a change to any of these is a new version.
CONTENT_FIELDS = ("headline", "summary", "body_html", "category", "tags", "attachments",
                  "channel_texts")
PHOTO_FIELDS = ("caption", "credit", "alt_text")


@dataclass(frozen=True)
class Editable:
    """The fields an editor may change; None means unchanged. `channel_texts` is merged into
    the article's: a channel given "" goes back to its default text."""

    headline: str | None = None
    body_html: str | None = None
    summary: str | None = None
    category: str | None = None
    tags: list[str] | None = None
    channel_texts: dict[str, str] | None = None

    def changes(self, current: dict[str, Any] | None = None) -> dict[str, object]:
        fields = {k: v for k, v in self.__dict__.items() if v is not None}
        if self.channel_texts is not None:
            merged = {**((current or {}).get("channel_texts") or {}), **self.channel_texts}
            fields["channel_texts"] = {k: v for k, v in merged.items() if v.strip()}
        return fields


def content_changed(current: dict[str, Any], fields: dict[str, Any]) -> bool:
    return any(k in fields and fields[k] != current.get(k) for k in CONTENT_FIELDS)


def content_of(article: dict[str, Any]) -> dict[str, Any]:
    """The content snapshot of an article (what a version holds); lists and texts never None."""
    empty: dict[str, Any] = {"tags": [], "attachments": [], "channel_texts": {}}
    return {k: article.get(k) if article.get(k) is not None else empty.get(k)
            for k in CONTENT_FIELDS}


class UnknownPhoto(Exception):
    """A photo id that is not one of the article's attachments."""


def photos_changed(attachments: list[dict[str, Any]], changes: dict[str, dict[str, str | None]]
                   ) -> list[dict[str, Any]]:
    """The attachments with their caption, credit or alt text changed ("" clears one)."""
    unknown = sorted(set(changes) - {a["id"] for a in attachments})
    if unknown:
        raise UnknownPhoto(unknown)
    result = []
    for attachment in attachments:
        given = changes.get(attachment["id"], {})
        merged = {**attachment, **{k: v for k, v in given.items() if v is not None}}
        result.append({k: v for k, v in merged.items()
                       if not (k in PHOTO_FIELDS and v == "")})
    return result
