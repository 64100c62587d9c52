"""When an article appears in the public JSON feed, as a reader polling it would see it.

One poller for all articles in flight (GET /feeds/feed.json every `interval`, newest 50 items):
an article counts as published at the moment the first response listing it arrived. An article
that left the 50-item window before a poll saw it is looked up in the publisher's publication
record instead (GET /v1/publications?article_id=, its `published_at`, wall clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bench.editor_login import EditorSession
from bench.harness import latency_summary

POLL_SECONDS = float(os.environ.get("BENCH_POLL_SECONDS", "0.05"))


@dataclass
class Origin:
    monotonic: float  # when the clock starts for this article (e.g. the approve 2xx)
    wall: float  # the same moment, time.time(), to compare with the publisher's published_at


@dataclass
class FeedWatcher:
    publisher: httpx.AsyncClient
    interval: float = POLL_SECONDS
    origins: dict[str, Origin] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)
    from_record: dict[str, float] = field(default_factory=dict)
    polls: int = 0
    poll_errors: int = 0
    news: asyncio.Event = field(default_factory=asyncio.Event)

    def expect(self, article_id: str, origin: float, wall: float) -> None:
        self.origins[article_id] = Origin(origin, wall)

    async def poll_forever(self) -> None:
        while True:
            try:
                response = await self.publisher.get("/feeds/feed.json")
                arrived = time.monotonic()
                self.polls += 1
                if response.status_code != 200:
                    self.poll_errors += 1
                for item in response.json().get("items", []):
                    article_id = str(item["id"]).rsplit("/", 1)[-1]
                    if article_id in self.origins and article_id not in self.seen:
                        self.seen[article_id] = arrived
                        self.news.set()
            except (httpx.HTTPError, ValueError):
                self.poll_errors += 1
            await asyncio.sleep(self.interval)

    async def settle(self, ids: Iterable[str], patience: float) -> list[str]:
        """Wait (at most `patience` s) until every one of `ids` was seen; the rest is returned."""
        wanted = set(ids)
        deadline = time.monotonic() + patience
        while wanted - self.seen.keys() and time.monotonic() < deadline:
            self.news.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.news.wait(), deadline - time.monotonic())
        return sorted(wanted - self.seen.keys())

    async def record(self, article_id: str, session: EditorSession) -> dict[str, float] | None:
        """The publisher's record of the article's feed publication, its moments on the
        monotonic clock: `created` (the approval consumed), `published`. None: not published."""
        response = await self.publisher.get("/v1/publications", headers=await session.headers(),
                                            params={"article_id": article_id})
        items = response.json().get("items", []) if response.status_code == 200 else []
        published = [i for i in items if i.get("state") == "published"]
        if not published:
            return None
        origin = self.origins[article_id]  # its wall clock, moved onto the monotonic one
        return {name: origin.monotonic + (_wall(published[0][f"{name}_at"]) - origin.wall)
                for name in ("created", "published")}

    async def look_up(self, ids: Iterable[str], session: EditorSession) -> list[str]:
        """Publication records of articles the feed polls missed; returns those not published."""
        unpublished = []
        for article_id in ids:
            moments = await self.record(article_id, session)
            if moments is None:
                unpublished.append(article_id)
            else:
                self.from_record[article_id] = moments["published"]
        return unpublished

    async def stages(self, answered: dict[str, float], session: EditorSession
                     ) -> dict[str, dict[str, float]]:
        """Approve 2xx -> the publisher consumed it (its record's `created_at`: the Kafka hop)
        -> published (`published_at`: its handling) -> seen in the feed (the poll)."""
        hop, handling, poll = [], [], []
        for article_id, done in answered.items():
            moments = await self.record(article_id, session)
            if moments is None:
                continue
            hop.append(moments["created"] - done)
            handling.append(moments["published"] - moments["created"])
            if article_id in self.seen:
                poll.append(self.seen[article_id] - moments["published"])
        return {"kafka_hop": latency_summary(hop),
                "publisher_handling": latency_summary(handling),
                "until_seen_in_feed": latency_summary(poll)}

    def published_at(self, article_id: str) -> float | None:
        """When the article was published, on the monotonic clock (None: not yet seen)."""
        return self.seen.get(article_id, self.from_record.get(article_id))

    def latencies(self, since: dict[str, float]) -> list[float]:
        """Seconds from each `since[article]` to its publication, for those published."""
        return [at - start for article_id, start in since.items()
                if (at := self.published_at(article_id)) is not None]


def _wall(iso: str) -> float:
    at = datetime.fromisoformat(iso)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


@contextlib.asynccontextmanager
async def watching(publisher: httpx.AsyncClient) -> AsyncIterator[FeedWatcher]:
    watcher = FeedWatcher(publisher)
    task = asyncio.create_task(watcher.poll_forever())
    try:
        yield watcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
