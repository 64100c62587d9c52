"""The SMTP receiver answers 4xx for a while, then 5xx for one address: deferred deliveries are
retried and sent once it recovers; a refused address is failed for good, never retried; no
email goes out twice. The notifier is the real process with its production retry schedule."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from shared.events.common import OpdRef
from shared.kafka import EventBus, make_broker
from shared.mongo import MongoHandle
from tests.faults import events, seed
from tests.faults.figures import Figures
from tests.faults.harness import Stack
from tests.probes import STREAM_OF, eventually

pytestmark = pytest.mark.crash
DEFERRING_SECONDS = 2.0  # past the first attempts, before the receiver recovers


async def announce(stack: Stack, article_id: str, opd: OpdRef) -> None:
    """What editorial and the publisher say about an article: approved, then published."""
    broker = make_broker(stack.settings, "fault-producer")
    await broker.start()
    try:
        bus = EventBus(broker)
        for envelope in (events.approved(article_id, opd), events.published(article_id, opd)):
            await bus.publish_event(STREAM_OF[envelope.type.split(".")[0]], envelope)
    finally:
        await broker.stop()


async def deliveries(stack: Stack, article_id: str) -> dict[str, dict[str, Any]]:
    """recipient -> its delivery of this article."""
    mongo = MongoHandle(stack.settings, "notifier")
    try:
        cursor = mongo.db["deliveries"].find({"article_id": article_id})
        return {doc["recipient"]: doc async for doc in cursor}
    finally:
        mongo.close()


async def states(stack: Stack, article_id: str) -> dict[str, str]:
    return {r: d["state"] for r, d in (await deliveries(stack, article_id)).items()}


async def test_deferred_mail_is_retried_and_refused_mail_fails_for_good(
    stack: Stack, figures_dir: Path,
) -> None:
    handler, opd = stack.receiver.handler, events.an_opd()
    emails = await seed.journalists(stack, opd.id, 3)
    refused_address = emails[2]

    handler.deferring = True
    deferred_article = str(uuid.uuid4())
    await announce(stack, deferred_article, opd)
    async def all_deferred() -> bool:
        return all(handler.deferred.get(e, 0) >= 1 for e in emails)

    await eventually(all_deferred, "first attempts answered 451", 60)
    await asyncio.sleep(DEFERRING_SECONDS)
    handler.deferring = False
    recovered_at = time.monotonic()

    async def all_sent() -> bool:
        return set((await states(stack, deferred_article)).values()) == {"sent"}

    await eventually(all_sent, "the deferred deliveries sent after recovery", 150)
    recover_s = round(time.monotonic() - recovered_at, 2)

    handler.refused = {refused_address}
    refused_article = str(uuid.uuid4())
    await announce(stack, refused_article, opd)

    async def settled() -> bool:
        now = await states(stack, refused_article)
        return now.get(refused_address) == "dead" and list(now.values()).count("sent") == 2

    await eventually(settled, "sent to two, failed for good for the refused address", 90)
    handler.refused = set()
    await asyncio.sleep(6.0)  # a few sender sweeps: a refused delivery must not be retried

    first = await deliveries(stack, deferred_article)
    second = await deliveries(stack, refused_article)
    ids = {d["_id"] for d in (*first.values(), *second.values())}
    received = stack.receiver.per_delivery(ids)
    refused = second[refused_address]
    to_send = ids - {refused["_id"]}
    figures = Figures(
        scenario="SMTP 4xx then 5xx", acknowledged=len(ids),
        lost=len(to_send - set(received)),
        duplicate_emails=sum(n - 1 for n in received.values()), recover_s=recover_s,
        extra={"answered_4xx": sum(handler.deferred.values()),
               "answered_5xx": sum(handler.refusals.values()),
               "attempts_deferred": sorted(d["attempts"] for d in first.values()),
               "attempts_refused": refused["attempts"]})
    figures.write(figures_dir)

    assert all(d["attempts"] >= 1 for d in first.values()), "4xx deliveries were not retried"
    assert received[refused["_id"]] == 0, "mail to a refused address went out"
    assert refused["state"] == "dead" and refused["attempts"] == 1, refused
    assert handler.refusals[refused_address] == 1, "a 5xx address was tried again"
    assert states_after(second) == {"dead": 1, "sent": 2}
    assert figures.lost == 0, f"deliveries never received: {to_send - set(received)}"
    assert figures.duplicate_emails == 0, {d: n for d, n in received.items() if n > 1}


def states_after(found: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for delivery in found.values():
        counts[delivery["state"]] = counts.get(delivery["state"], 0) + 1
    return counts
