"""The public feeds and article pages on the channel port: an item per article in our database.

Always on and without credentials, so the registry builds it with its repository directly.
"""

from __future__ import annotations

from typing import Any

from services.publisher.adapters.port import Capabilities, Posted
from services.publisher.domain import FEED, article_url
from services.publisher.pressroom_search import search_terms
from services.publisher.repository import FeedRepository
from shared.envelope import utcnow
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1


class FeedChannel:
    name = FEED
    capabilities = Capabilities(can_edit=True, can_delete=True)

    def __init__(self, feed: FeedRepository, website_base_url: str) -> None:
        self._feed = feed
        self._base = website_base_url

    async def check(self) -> str:
        return "feed"  # our own database: /readyz reports it

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        existing = await self._feed.get(article.article_id)
        if existing is None:
            return None
        return Posted(external_id=str(existing["_id"]), url=str(existing["url"]))

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        existing = await self.find_existing(article)
        if existing is not None:  # an item per article: never a second one
            return existing
        url = article_url(self._base, article.article_id)
        await self._feed.put(article.article_id, {**feed_content(article), "url": url},
                             utcnow())
        return Posted(external_id=article.article_id, url=url)

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        note = {"note": article.correction_note, "at": article.decided_at,
                "article_version": article.article_version}
        await self._feed.correct(posted.external_id, article.article_version,
                                 {**feed_content(article), "updated_at": article.decided_at},
                                 note)
        return posted

    async def withdraw(self, posted: Posted) -> None:
        await self._feed.remove(posted.external_id)


def feed_content(article: ArticleApprovedV1) -> dict[str, Any]:
    return {
        "article_id": article.article_id, "report_id": article.report_id,
        "article_version": article.article_version, "headline": article.headline,
        "summary": article.summary, "body_html": article.body_html,
        "category": article.category, "tags": list(article.tags),
        "opd": article.opd.model_dump(mode="json"),
        "attachments": [a.model_dump(mode="json") for a in article.attachments],
        "location": article.location, "activity_at": article.activity_at,
        # the press room's search (pressroom_search.py): an indexed array, not a scan
        "search_terms": search_terms(article.headline, article.summary, article.body_html),
    }
