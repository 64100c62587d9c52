"""Events of the article stream, written by editorial."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData
from shared.events.common import AttachmentRef, OpdRef, PressInvitation

ARTICLE_CLAIMED = "article.claimed"
ARTICLE_REVISION_REQUESTED = "article.revision_requested"
ARTICLE_REJECTED = "article.rejected"
ARTICLE_APPROVED = "article.approved"
ARTICLE_CORRECTED = "article.corrected"
ARTICLE_TAKEN_DOWN = "article.taken_down"


class ArticleDecision(EventData):
    article_id: str
    report_id: str
    opd_id: str
    editor: str
    article_version: int
    decided_at: datetime


class ArticleClaimedV1(ArticleDecision):
    pass


class ArticleRevisionRequestedV1(ArticleDecision):
    reason: str


class ArticleRejectedV1(ArticleDecision):
    reason: str


class ArticleApprovedV1(ArticleDecision):
    """Everything the publisher and notifier need: they never read editorial's data."""

    opd: OpdRef
    headline: str
    body_html: str
    summary: str | None = None
    category: str
    tags: list[str] = []
    attachments: list[AttachmentRef] = []
    press_invitation: PressInvitation | None = None
    channels: list[str] = Field(examples=[["website", "feed"]])
    publish_at: datetime | None = Field(default=None, description="embargo; None = now")
    activity_at: datetime | None = Field(default=None, description="when the activity took place")
    location: str | None = Field(default=None, description="where the activity took place")
    channel_texts: dict[str, str] = Field(
        default_factory=dict, description="editor-set text per channel (x, telegram, instagram, "
        "facebook); a channel without one gets shared.channel_text's default")


class ArticleCorrectedV1(ArticleApprovedV1):
    correction_note: str


class ArticleTakenDownV1(ArticleDecision):
    reason: str
