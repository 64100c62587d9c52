"""Editorial's change of an approved article's schedule (its embargo), on the article stream."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.events.articles import ArticleDecision

ARTICLE_RESCHEDULED = "article.rescheduled"


class ArticleRescheduledV1(ArticleDecision):
    """The embargo moved to `publish_at`; or, `cancelled`, the scheduled publication is called
    off: nothing goes out, and the article is back in review for a new decision."""

    publish_at: datetime | None = Field(description="the new embargo; None when cancelled")
    cancelled: bool = False
    reason: str | None = None
