"""Pure rules of the OPD's amend and withdraw requests, which editorial decides. No I/O.

Ingest refuses at once only what can never succeed (a closed report, an amendment after
approval, a second request while one waits); everything else becomes a request, and only
editorial's answer (`article.request_decided`) changes the OPD's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ingest.domain import FINAL, Status, TransitionRefused
from shared.events.opd_requests import FINAL_OUTCOMES, RequestKind, RequestOutcome

SENT = "sent"  # written and announced; editorial has not answered yet
CLOSED = FINAL | {Status.REJECTED}
APPROVED_OR_LATER = frozenset({Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED,
                               Status.CORRECTED})
_LIVE_RANK = {Status.APPROVED: 1, Status.SCHEDULED: 1, Status.PUBLISHED: 2,
              Status.CORRECTED: 3, Status.TAKEN_DOWN: 4}


class RequestPending(Exception):
    """The OPD already has a request on this report waiting for an answer."""

    def __init__(self, request_id: str) -> None:
        super().__init__(request_id)
        self.request_id = request_id


class RequestRefused(Exception):
    """Editorial answered: the request was declined or cannot apply; `request` says why."""

    def __init__(self, request: dict[str, Any]) -> None:
        super().__init__(request.get("reason") or request["state"])
        self.request = request


def waiting(requests: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The request still waiting for an answer or a decision, if any."""
    for request in reversed(requests):
        if request["state"] in (SENT, RequestOutcome.PENDING.value):
            found: dict[str, Any] = request
            return found
    return None


def check_requestable(kind: RequestKind, status: Status, requests: list[dict[str, Any]]) -> None:
    if (pending := waiting(requests)) is not None:
        raise RequestPending(pending["id"])
    if status in CLOSED:
        raise TransitionRefused(
            f"This report is {status.value}; nothing can be changed any more.", status)
    if kind == "amend" and status in APPROVED_OR_LATER:
        raise TransitionRefused(
            f"This report is {status.value}; an approved report cannot be amended. Ask the "
            "desk for a correction, or withdraw it (a take-down request).", status)


def answered(request: dict[str, Any]) -> bool:
    return bool(request["state"] != SENT)


def final(request: dict[str, Any]) -> bool:
    return request["state"] in {o.value for o in FINAL_OUTCOMES}


@dataclass(frozen=True)
class Answer:
    request_id: str
    outcome: RequestOutcome
    reason: str | None
    awaiting_role: str | None
    status: Status
    article_version: int
    decided_at: datetime


def after_answer(doc: dict[str, Any], answer: Answer) -> dict[str, Any] | None:
    """The fields of the report after editorial's answer, or None if it changes nothing
    (an unknown request, or an answer older than the one recorded)."""
    requests = [dict(r) for r in doc.get("requests", [])]
    found = next((r for r in requests if r["id"] == answer.request_id), None)
    if found is None or final(found):
        return None
    found.update(state=answer.outcome.value, reason=answer.reason,
                 awaiting_role=answer.awaiting_role, answered_at=answer.decided_at)
    fields: dict[str, Any] = {"requests": requests}
    applied = answer.outcome in (RequestOutcome.APPLIED, RequestOutcome.ACCEPTED)
    if applied and found["kind"] == "amend":
        fields.update(content=found["content"], body_raw=found.get("body_raw"),
                      revision=found["revision"], last_amended_at=found["requested_at"])
    status = Status(doc["status"])
    if answer.article_version > doc.get("article_version", 0) and status not in FINAL:
        fields["article_version"] = answer.article_version
        if _LIVE_RANK.get(status, 0) <= _LIVE_RANK.get(answer.status, 0):
            fields["status"] = answer.status.value
            if answer.status is not status:
                fields["status_reason"] = None
    return fields
