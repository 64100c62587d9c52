"""Channel adapters: where a publication goes. Only the public feed exists so far.

An adapter posts an article and returns its (external id, url). It is given the external id
stored by an earlier attempt, and checks its own store first, so a retry never makes a second
post. It raises ChannelUnavailable (worth retrying with backoff) or ChannelRefused (dead at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.publisher.domain import FEED, KNOWN_CHANNELS, article_url, channel_status
from services.publisher.repository import FeedRepository
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.settings import Settings


class ChannelUnavailable(Exception):
    """Transient: the channel may accept the same post later."""


class ChannelRefused(Exception):
    """Permanent: retrying the same post will not help."""


class ChannelMisconfigured(ValueError):
    """Some but not all of a channel's settings are set: refuse to start, say what is missing."""


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str


class Channel(Protocol):
    async def publish(self, article: ArticleApprovedV1, external_id: str | None,
                      now: datetime) -> Posted: ...

    async def correct(self, article: ArticleCorrectedV1, external_id: str) -> None: ...

    async def withdraw(self, article_id: str, external_id: str | None) -> None: ...


class FeedChannel:
    """The public RSS/Atom/JSON feeds and article pages: an item per article in our database."""

    def __init__(self, feed: FeedRepository, website_base_url: str) -> None:
        self._feed = feed
        self._base = website_base_url

    async def publish(self, article: ArticleApprovedV1, external_id: str | None,
                      now: datetime) -> Posted:
        existing = await self._feed.get(external_id or article.article_id)
        if existing is not None:  # posted by an earlier attempt: never a second post
            return Posted(external_id=str(existing["_id"]), url=str(existing["url"]))
        url = article_url(self._base, article.article_id)
        await self._feed.put(article.article_id, {**feed_content(article), "url": url}, now)
        return Posted(external_id=article.article_id, url=url)

    async def correct(self, article: ArticleCorrectedV1, external_id: str) -> None:
        note = {"note": article.correction_note, "at": article.decided_at,
                "article_version": article.article_version}
        await self._feed.correct(external_id, article.article_version,
                                 {**feed_content(article), "updated_at": article.decided_at},
                                 note)

    async def withdraw(self, article_id: str, external_id: str | None) -> None:
        await self._feed.remove(external_id or article_id)


def feed_content(article: ArticleApprovedV1) -> dict[str, Any]:
    return {
        "article_id": article.article_id, "report_id": article.report_id,
        "article_version": article.article_version, "headline": article.headline,
        "summary": article.summary, "body_html": article.body_html,
        "category": article.category, "tags": list(article.tags),
        "opd": article.opd.model_dump(mode="json"),
        "attachments": [a.model_dump(mode="json") for a in article.attachments],
    }


# The settings each external channel needs, all together; none set = the channel is off.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "website": ("wordpress_url", "wordpress_username", "wordpress_app_password"),
    "telegram": ("telegram_bot_token", "telegram_channel_id"),
    "facebook": ("facebook_page_id", "facebook_page_token"),
    "instagram": ("instagram_user_id", "instagram_token"),
    "x": ("x_bearer_token",),
}


def configured(settings: Settings) -> dict[str, bool]:
    """Which known channels have their settings; a half-configured one refuses to start."""
    result: dict[str, bool] = {FEED: True}
    for channel, names in _REQUIRED.items():
        present = [name for name in names if getattr(settings, name)]
        if present and len(present) != len(names):
            missing = ", ".join(f"WARTA_{n.upper()}" for n in names if n not in present)
            raise ChannelMisconfigured(f"channel {channel!r} is half-configured; set {missing} "
                                       "or unset all of its settings")
        result[channel] = bool(present)
    return result


def adapters(settings: Settings, feed: FeedRepository) -> dict[str, Channel]:
    """The adapters that can post right now; the other channels record a dead publication."""
    return {FEED: FeedChannel(feed, settings.website_base_url)}


def channel_report(settings_present: dict[str, bool], channels: dict[str, Channel]
                   ) -> dict[str, str]:
    """For /readyz: every known channel, "on" or "off" (and why, when it is not just unset)."""
    return {name: channel_status(name, name in channels, settings_present.get(name, False))
            for name in KNOWN_CHANNELS}
