"""The pipeline's floor: the publisher's own write path for an approval, without Kafka.

In the benchmark process, against the same publisher database the running publisher serves its
feed from: the publisher's use case (`Publishing.article_approved`: publication record, lease,
feed item, published mark, relay of `publication.published`) called directly with the event
editorial would send, at the same rate, watched by the same feed poller. What it leaves out is
editorial's hop: the approval's relay to Kafka and the publisher's consumer picking it up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

from bench import harness
from bench.editor_login import EditorSession
from bench.feed_watch import FeedWatcher
from bench.opd import report_body
from services.publisher.adapters.feed import FeedChannel
from services.publisher.channel_adapters import ChannelAdapters
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.handlers import Publishing
from services.publisher.health_handlers import ChannelHealth
from services.publisher.publish_queue import PublishQueue
from services.publisher.repository import FeedRepository, PublicationRepository
from services.publisher.sealing import sealer
from shared import topics
from shared.envelope import Envelope, new_id, root_event, utcnow
from shared.events.articles import ARTICLE_APPROVED, ArticleApprovedV1
from shared.events.common import OpdRef
from shared.kafka import EventBus, make_broker
from shared.mongo import MongoHandle
from shared.outbox import OutboxRelay
from shared.settings import Settings


def approved_event(opd: OpdRef, n: int) -> Envelope:
    body, article_id = report_body(n), new_id()
    data = ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="bench-redaktur",
        article_version=3, decided_at=utcnow(), opd=opd, headline=body["title"],
        body_html=body["body"], summary=body["summary"], category=body["category"],
        tags=body["tags"], channels=["feed"])
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial", subject=article_id,
                      data=data, correlation_id=article_id)


async def floor_run(settings: Settings, watcher: FeedWatcher, session: EditorSession,
                    opd: OpdRef, *, rate: float, count: int, patience: float,
                    serial: bool = False) -> dict[str, Any]:
    """With `serial`, one approval at a time, in order, as the publisher's consumer takes them
    (a diagnostic: it separates the cost of the Kafka hop from that of handling in order)."""
    mongo = MongoHandle(settings, "publisher")
    broker = make_broker(settings, "bench-floor")
    await broker.start()
    publications, feed = PublicationRepository(mongo.db), FeedRepository(mongo.db)
    relay = OutboxRelay(publications.collection, topics.PUBLICATIONS, EventBus(broker))
    channel_repo = ChannelRepository(mongo.db)
    adapters = ChannelAdapters(channel_repo, sealer(settings),
                               FeedChannel(feed, settings.website_base_url),
                               httpx.AsyncClient(), settings.website_base_url,
                               outbound=httpx.AsyncClient())  # the contract servers: loopback
    health = ChannelHealth(channel_repo, adapters, relay.relay_document)
    queue = PublishQueue(publications, adapters, health, relay.relay_document)
    publishing = Publishing(publications, feed, adapters, queue, relay.relay_document)
    events = [approved_event(opd, n) for n in range(count)]
    writes: list[float] = []
    starts: dict[str, float] = {}
    one_at_a_time = asyncio.Lock()
    try:
        async def fire(n: int) -> None:
            event = events[n]
            started = starts[event.subject] = time.monotonic()
            watcher.expect(event.subject, started, time.time())
            async with one_at_a_time if serial else contextlib.nullcontext():
                await publishing.article_approved(event)
            writes.append(time.monotonic() - started)

        seconds = await harness.open_loop(rate, count, fire)
        ids = [e.subject for e in events]
        missing = await watcher.settle(ids, patience)
        unpublished = await watcher.look_up(missing, session) if missing else []
    finally:
        await broker.stop()
        mongo.close()
    return {"rate": rate, "count": count, "serial": serial, "seconds": round(seconds, 2),
            "published": count - len(unpublished), "seen_in_feed": count - len(missing),
            "write_path": harness.latency_summary(writes),
            "to_feed": harness.latency_summary(watcher.latencies(starts))}

