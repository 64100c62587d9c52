"""Two publisher instances on one database and one consumer group: each post happens once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from services.publisher import main
from services.publisher.adapters.feed import FeedChannel
from services.publisher.adapters.port import ChannelUnavailable, Posted
from services.publisher.main import create_app
from shared.events.articles import ArticleApprovedV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    chief_headers,
    events_for,
    publications,
)
from tests.probes import eventually, publish

# A short lease (production: a minute) and a channel slower than it: the post outlives the lease
# unless its holder renews it, and then the other instance's scheduler would post it again.
LEASE_SECONDS = 3.0
POST_SECONDS = 8.0


def slow_feed(monkeypatch: pytest.MonkeyPatch, *, fail_first: bool = False) -> list[str]:
    """Every app created from now on posts to the real feed (the real database behind it)
    slowly, counting its posts; with `fail_first`, the first post of each article fails at
    once as an outage would. Returns the posts."""
    posts: list[str] = []

    class SlowFeed(FeedChannel):
        async def publish(self, article: ArticleApprovedV1) -> Posted:
            first = article.article_id not in posts
            posts.append(article.article_id)
            if first and fail_first:
                raise ChannelUnavailable("feed store briefly unavailable")
            await asyncio.sleep(POST_SECONDS)
            return await super().publish(article)

    monkeypatch.setattr(main, "FeedChannel", SlowFeed)
    return posts


def short_lease(settings: Settings) -> Settings:
    return settings.model_copy(update={"publisher_lease_seconds": LEASE_SECONDS})


async def test_a_post_slower_than_the_lease_is_not_repeated_by_the_other_instance(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    posts, settings = slow_feed(monkeypatch), short_lease(settings)
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as one, \
            running(create_app(settings, scheduler_seconds=SCHEDULER)) as two:
        await publish(settings, approved(article_id, channels=["feed"]))

        async def published() -> list[dict[str, Any]] | None:
            items = await publications(two, settings, article_id)
            return items if items and items[0]["state"] == "published" else None

        [publication] = await eventually(published, "the publication posted")
        # Any second post began before this one was recorded: let it finish, if there is one.
        await asyncio.sleep(POST_SECONDS)
        [after] = await publications(one, settings, article_id)
    assert [p for p in posts if p == article_id] == [article_id]
    assert (publication["attempts"], after["state"]) == (0, "published")
    mine = await events_for(settings, article_id, wanted=1)
    assert [e["type"] for e in mine] == ["publication.published"]


async def test_an_editor_retry_on_the_other_instance_does_not_post_alongside_an_attempt(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    posts, settings = slow_feed(monkeypatch, fail_first=True), short_lease(settings)
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as one, \
            running(create_app(settings, scheduler_seconds=SCHEDULER)) as two:
        await publish(settings, approved(article_id, channels=["feed"]))

        async def second_attempt_in_flight() -> bool:
            return posts.count(article_id) == 2  # the first failed; the scheduler retries

        await eventually(second_attempt_in_flight, "the retry after the backoff")
        [failed] = await publications(one, settings, article_id)
        assert failed["state"] == "failed"  # as the editor sees it: failed, so they retry it
        retried = await client_retry(two, settings, failed["id"])
        assert retried.status_code == 200, retried.text

        async def published() -> list[dict[str, Any]] | None:
            items = await publications(two, settings, article_id)
            return items if items and items[0]["state"] == "published" else None

        await eventually(published, "the publication posted")
        await asyncio.sleep(POST_SECONDS)  # a parallel post, if any, finishes meanwhile
    assert posts.count(article_id) == 2
    mine = await events_for(settings, article_id, wanted=2)
    assert sorted(e["type"] for e in mine) == ["publication.failed", "publication.published"]


async def client_retry(client: httpx.AsyncClient, settings: Settings, publication_id: str
                       ) -> httpx.Response:
    return await client.post(f"/v1/publications/{publication_id}/retry",
                             headers=chief_headers(settings))
