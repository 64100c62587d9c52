"""Editorial's answer to an OPD's amend or withdraw request, on the article stream."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from shared.envelope import EventData
from shared.vocabulary import ArticleStatus

ARTICLE_REQUEST_DECIDED = "article.request_decided"

RequestKind = Literal["amend", "withdraw"]


class RequestOutcome(StrEnum):
    """`applied` at once (no editor held the article); `pending` a decision of the desk;
    `accepted` / `declined` by an editor; `refused` because the article's state allows neither."""

    APPLIED = "applied"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REFUSED = "refused"


FINAL_OUTCOMES = frozenset({RequestOutcome.APPLIED, RequestOutcome.ACCEPTED,
                            RequestOutcome.DECLINED, RequestOutcome.REFUSED})


class ArticleRequestDecidedV1(EventData):
    article_id: str
    report_id: str
    opd_id: str
    request_id: str
    kind: RequestKind
    outcome: RequestOutcome
    reason: str | None = Field(default=None, description="why declined or refused (Indonesian)")
    awaiting_role: str | None = Field(
        default=None, description="for `pending`: editor, or chief_editor for a take-down")
    status: ArticleStatus = Field(description="the article's status after this answer")
    article_version: int
    decided_by: str
    decided_at: datetime
