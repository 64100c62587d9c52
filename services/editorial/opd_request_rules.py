"""Pure rules of the OPD's amend and withdraw requests: who decides, what accepting does. No I/O.

Editorial owns the article's state, so it decides every request: applied at once while no editor
holds the article, put to the claiming editor while one does, and after approval a withdraw
becomes a take-down request for the chief editor. An amendment after approval is refused (the
desk corrects a published article itself); the OPD is told why.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.events.opd_requests import RequestKind
from shared.vocabulary import ArticleStatus as Status

OPEN = frozenset({Status.SUBMITTED, Status.REVISION_REQUESTED})  # nobody holds it
LIVE = frozenset({Status.APPROVED, Status.SCHEDULED, Status.PUBLISHED, Status.CORRECTED})
EDITOR, CHIEF = "editor", "chief_editor"
CONTENT_FIELDS = ("headline", "body_html", "summary", "activity_at", "location", "category",
                  "tags", "attachments", "press_invitation")
DIFFED = ("headline", "summary", "body_html")

_CLOSED_REASON = {
    Status.REJECTED: "Laporan ini sudah ditolak redaksi.",
    Status.WITHDRAWN: "Laporan ini sudah ditarik.",
    Status.TAKEN_DOWN: "Berita ini sudah diturunkan.",
}
AMEND_AFTER_APPROVAL = ("Berita sudah disetujui redaksi; perubahan isi kini hanya lewat koreksi "
                        "redaksi. Hubungi redaksi, atau ajukan penarikan (penurunan berita).")


class Route(StrEnum):
    APPLY = "apply"
    PENDING = "pending"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Routing:
    route: Route
    awaiting_role: str | None = None
    reason: str | None = None


class RequestNotDecidable(Exception):
    """The request cannot be accepted (or decided at all) in the article's current state."""


def route(kind: RequestKind, status: Status) -> Routing:
    """What happens to a request arriving while the article is in `status`."""
    if status in _CLOSED_REASON:
        return Routing(Route.REFUSE, reason=_CLOSED_REASON[status])
    if status in OPEN:
        return Routing(Route.APPLY)
    if status is Status.IN_REVIEW:
        return Routing(Route.PENDING, awaiting_role=EDITOR)
    if kind == "amend":
        return Routing(Route.REFUSE, reason=AMEND_AFTER_APPROVAL)
    return Routing(Route.PENDING, awaiting_role=CHIEF)  # a take-down request


def awaiting_role(kind: RequestKind, status: Status) -> str:
    """Who decides a pending request now (an editor may have approved the article meanwhile)."""
    return CHIEF if kind == "withdraw" and status in LIVE else EDITOR


def status_after_accept(kind: RequestKind, status: Status) -> Status:
    """The article's status once the request is accepted; refuses what cannot be accepted."""
    if status in _CLOSED_REASON:
        raise RequestNotDecidable(f"{_CLOSED_REASON[status]} Tolak permintaan ini dengan alasan.")
    if kind == "withdraw":
        return Status.TAKEN_DOWN if status in LIVE else Status.WITHDRAWN
    if status in LIVE:
        raise RequestNotDecidable("Berita sudah disetujui; perubahan OPD tidak bisa diterapkan "
                                  "lagi. Tolak dengan alasan, lalu koreksi bila perlu.")
    return status


def article_fields(content: dict[str, Any]) -> dict[str, Any]:
    """A report's content (as in the event) as the article's fields."""
    fields = dict(content)
    fields["headline"] = fields.pop("title")
    return {k: fields.get(k) for k in CONTENT_FIELDS}


def diff(article: dict[str, Any], proposed: dict[str, Any]) -> list[dict[str, Any]]:
    """What the amendment changes in the headline, summary and body, as unified-diff lines."""
    changes = []
    for name in DIFFED:
        before, after = article.get(name) or "", proposed.get(name) or ""
        if before == after:
            continue
        lines = list(difflib.unified_diff(_lines(before), _lines(after), "sekarang", "usulan OPD",
                                          lineterm="", n=1))
        changes.append({"field": name, "before": before, "after": after, "diff": lines})
    return changes


def _lines(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=>)\s*(?=<)|\n", text) if part]
