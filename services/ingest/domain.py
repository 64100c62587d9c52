"""Pure ingest rules: what an OPD may do to its report, and how pipeline events move its status.

No I/O here. The OPD's view of a report follows editorial and publisher events; it never moves
backwards: decisions are ordered by editorial's `article_version`, and the live statuses
(approved/scheduled < published < corrected < taken down) only climb, whatever the order in which
the two topics (articles, publications) are consumed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.vocabulary import IANA_BY_LABEL, REPORT_CATEGORIES, ArticleStatus

Status = ArticleStatus  # the one definition, shared with editorial

AMENDABLE = frozenset({Status.SUBMITTED, Status.REVISION_REQUESTED})
WITHDRAWABLE = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.REVISION_REQUESTED})
# Statuses after which nothing the pipeline says changes the OPD's view.
FINAL = frozenset({Status.WITHDRAWN, Status.TAKEN_DOWN})
_LIVE_RANK = {Status.APPROVED: 1, Status.SCHEDULED: 1, Status.PUBLISHED: 2,
              Status.CORRECTED: 3, Status.TAKEN_DOWN: 4}

DEFAULT_CATEGORIES = REPORT_CATEGORIES  # the contract's list; WARTA_REPORT_CATEGORIES narrows it
TIMEZONES = IANA_BY_LABEL  # WIB/WITA/WIT -> IANA name


# ---- refusals: the use cases raise these; the HTTP edge (api.py) maps them ------------------

class ReportNotFound(Exception):
    """No such report for this OPD (another OPD's report is as unknown as a missing one)."""

    def __init__(self, report_id: str) -> None:
        super().__init__(report_id)
        self.report_id = report_id


class TransitionRefused(Exception):
    """The OPD asked for something its report's current status does not allow."""

    def __init__(self, message: str, status: Status) -> None:
        super().__init__(message)
        self.status = status


class ChangedConcurrently(Exception):
    """The report kept changing under this request; the caller may retry it."""


class IdempotencyKeyReused(Exception):
    """The key was used before with a different request body."""


class InvalidReport(Exception):
    """Fields that are well-formed but not acceptable; `problems` name each field and why."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(", ".join(p["field"] for p in problems))
        self.problems = problems


class OpdRefused(Exception):
    """An OPD-administration request that cannot be done as asked; the message says why."""


class OpdNotFound(OpdRefused):
    """No OPD (or no active key of it) by that code."""


class OpdConflict(OpdRefused):
    """The code is taken, or the OPD already has as many active keys as allowed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class OpdInvalid(OpdRefused):
    """A field that is well-formed but not acceptable (e.g. an unknown time zone)."""


def check_amendable(status: Status) -> None:
    if status not in AMENDABLE:
        raise TransitionRefused(
            f"This report is {status.value}; it can be amended only while submitted or "
            "revision_requested.", status)


def check_withdrawable(status: Status) -> None:
    if status not in WITHDRAWABLE:
        raise TransitionRefused(
            f"This report is {status.value}; it can be withdrawn only before approval "
            "(submitted, in_review or revision_requested).", status)


def category_problem(category: str, allowed: tuple[str, ...]) -> str | None:
    if category in allowed:
        return None
    return f"Unknown category '{category}'; choose one of: {', '.join(allowed)}."


def press_invitation_problem(activity_at: datetime, starts_at: datetime, now: datetime
                             ) -> str | None:
    """A press invitation announces an upcoming activity: both times must be in the future."""
    if starts_at <= now:
        return "press_invitation.starts_at must be in the future (an upcoming activity)."
    if activity_at <= now:
        return "activity_at must be in the future when a press_invitation is attached."
    return None


# ---- the status projection ------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedLink:
    channel: str
    url: str
    published_at: datetime


@dataclass(frozen=True)
class Projection:
    status: Status
    article_version: int = 0
    reason: str | None = None
    last_amended_at: datetime | None = None
    links: tuple[PublishedLink, ...] = ()
    publish_at: datetime | None = None  # the embargo, while scheduled (the OPD's agenda)


class Decision(StrEnum):
    CLAIMED = "claimed"
    REVISION_REQUESTED = "revision_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    CORRECTED = "corrected"
    TAKEN_DOWN = "taken_down"


def after_decision(p: Projection, decision: Decision, article_version: int,
                   decided_at: datetime, *, reason: str | None = None,
                   publish_at: datetime | None = None) -> Projection | None:
    """The projection after an editorial decision, or None if it changes nothing."""
    if article_version <= p.article_version or p.status in FINAL:
        return None  # a redelivered or older decision; or the report is closed for the OPD
    seen = replace(p, article_version=article_version)
    if decision is Decision.REVISION_REQUESTED and p.last_amended_at is not None \
            and decided_at < p.last_amended_at:
        return seen  # the OPD already amended after this request: the amendment answers it
    target = _decision_status(decision, decided_at, publish_at)
    if decision is Decision.APPROVED:
        seen = replace(seen, publish_at=publish_at if target is Status.SCHEDULED else None)
    if _LIVE_RANK.get(p.status, 0) > _LIVE_RANK.get(target, 0):
        return seen  # a publication already moved the report further along
    return replace(seen, status=target, reason=reason)


def after_reschedule(p: Projection, article_version: int, publish_at: datetime | None,
                     reason: str | None) -> Projection | None:
    """The embargo moved (`publish_at`), or the scheduled publication was called off (None):
    then the report is back in review; a publication that already happened is kept."""
    if article_version <= p.article_version or p.status in FINAL:
        return None
    seen = replace(p, article_version=article_version)
    if p.status is not Status.SCHEDULED:
        return seen  # published meanwhile (or older news): the schedule no longer matters
    if publish_at is None:
        return replace(seen, status=Status.IN_REVIEW, publish_at=None,
                       reason=f"Jadwal tayang dibatalkan: {reason}" if reason else None)
    return replace(seen, publish_at=publish_at)


def _decision_status(decision: Decision, decided_at: datetime, publish_at: datetime | None
                     ) -> Status:
    if decision is Decision.APPROVED:
        embargoed = publish_at is not None and publish_at > decided_at
        return Status.SCHEDULED if embargoed else Status.APPROVED
    return {
        Decision.CLAIMED: Status.IN_REVIEW, Decision.REVISION_REQUESTED: Status.REVISION_REQUESTED,
        Decision.REJECTED: Status.REJECTED, Decision.CORRECTED: Status.CORRECTED,
        Decision.TAKEN_DOWN: Status.TAKEN_DOWN,
    }[decision]


def after_publication(p: Projection, link: PublishedLink) -> Projection | None:
    """A channel published the article: record its URL; the status reaches at least published."""
    if p.status in FINAL or p.status is Status.REJECTED:
        return None
    links = (*(x for x in p.links if x.channel != link.channel), link)
    status = p.status if _LIVE_RANK.get(p.status, 0) >= _LIVE_RANK[Status.PUBLISHED] \
        else Status.PUBLISHED
    reason = p.reason if status is p.status else None
    return replace(p, status=status, links=links, reason=reason)
