"""Two publisher instances on one database and one consumer group: each post happens once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from services.publisher import channels, handlers, repository
from services.publisher.channels import Channel, ChannelUnavailable, Posted
from services.publisher.main import create_app
from shared.events.articles import ArticleApprovedV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    editor_headers,
    events_for,
    publications,
)
from tests.probes import eventually, publish

# A short lease (production: a minute) and a channel slower than it: the post outlives the lease
# unless its holder renews it, and then the other instance's scheduler would post it again.
LEASE = timedelta(seconds=3)
POST_SECONDS = 8.0


class SlowFeed:
    """The real feed channel (the real database behind it), slow, counting its posts; with
    `fail_first`, the first post of each article fails at once as an outage would."""

    def __init__(self, inner: Channel, posts: list[str], fail_first: bool = False) -> None:
        self.inner, self.posts, self.fail_first = inner, posts, fail_first

    async def publish(self, article: ArticleApprovedV1, external_id: str | None,
                      now: datetime) -> Posted:
        first = article.article_id not in self.posts
        self.posts.append(article.article_id)
        if first and self.fail_first:
            raise ChannelUnavailable("feed store briefly unavailable")
        await asyncio.sleep(POST_SECONDS)
        return await self.inner.publish(article, external_id, now)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def slow_feed(monkeypatch: pytest.MonkeyPatch, *, fail_first: bool = False) -> list[str]:
    """Every app created from now on posts to the feed through a SlowFeed; returns its posts."""
    for module in (repository, handlers):
        monkeypatch.setattr(module, "LEASE", LEASE, raising=False)
    posts: list[str] = []
    real_adapters = channels.adapters

    def slow_adapters(*args: Any, **kwargs: Any) -> dict[str, Channel]:
        found = real_adapters(*args, **kwargs)
        return {**found, "feed": SlowFeed(found["feed"], posts, fail_first)}

    monkeypatch.setattr(channels, "adapters", slow_adapters)
    return posts


async def test_a_post_slower_than_the_lease_is_not_repeated_by_the_other_instance(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    posts = slow_feed(monkeypatch)
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
    posts = slow_feed(monkeypatch, fail_first=True)
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
                             headers=editor_headers(settings))
