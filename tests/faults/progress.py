"""How far the acknowledged work got, read from each service's own database, and waiting for
quiescence: everything acknowledged has its effects, every outbox is empty, no consumer lags."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from shared.mongo import MongoHandle
from shared.outbox import OUTBOX_FIELD
from tests.faults.broker import lag
from tests.faults.harness import Stack
from tests.faults.ledger import Ledger

OUTBOXES = (("ingest", "reports"), ("editorial", "articles"), ("publisher", "publications"),
            ("notifier", "deliveries"))


@dataclass(frozen=True)
class Progress:
    acknowledged: int  # reports answered 201
    queued: int  # of them, articles in editorial
    approved: int  # decisions to approve (answered or found applied)
    published: int  # of them, published in editorial
    in_feed: int
    opd_sees_published: int
    deliveries_expected: int
    deliveries_sent: int
    pending_outbox: int
    lag: int

    def done(self) -> bool:
        return (self.queued == self.acknowledged and self.approved == self.acknowledged
                and self.published == self.in_feed == self.opd_sees_published == self.approved
                and self.deliveries_sent == self.deliveries_expected
                and self.pending_outbox == 0 and self.lag == 0)


async def _count(stack: Stack, service: str, collection: str, query: dict[str, object]) -> int:
    mongo = MongoHandle(stack.settings, service)
    try:
        return int(await mongo.db[collection].count_documents(query))
    finally:
        mongo.close()


async def article_states(stack: Stack, ids: Iterable[str], *, journalists: int
                         ) -> tuple[int, int]:
    """(published in editorial, deliveries sent) for these articles."""
    wanted = list(ids)
    published = await _count(stack, "editorial", "articles",
                             {"_id": {"$in": wanted}, "status": "published"})
    sent = await _count(stack, "notifier", "deliveries",
                        {"article_id": {"$in": wanted}, "state": "sent"}) if journalists else 0
    return published, sent


async def progress(stack: Stack, ledger: Ledger, journalists: int) -> Progress:
    acked, approved = list(ledger.reports.values()), list(ledger.approved)
    published, sent = await article_states(stack, approved, journalists=journalists)
    pending = 0
    for service, collection in OUTBOXES:
        pending += await _count(stack, service, collection,
                                {f"{OUTBOX_FIELD}.0": {"$exists": True}})
    return Progress(
        acknowledged=len(acked),
        queued=await _count(stack, "editorial", "articles", {"_id": {"$in": acked}}),
        approved=len(approved), published=published,
        in_feed=await _count(stack, "publisher", "feed_items", {"_id": {"$in": approved}}),
        opd_sees_published=await _count(stack, "ingest", "reports",
                                        {"_id": {"$in": approved}, "status": "published"}),
        deliveries_expected=len(approved) * journalists, deliveries_sent=sent,
        pending_outbox=pending, lag=sum((await lag(stack.settings.kafka_bootstrap)).values()))


async def settle(stack: Stack, ledger: Ledger, journalists: int, patience: float = 180.0
                 ) -> Progress:
    """Poll until quiescent; the last progress either way (the test asserts on it)."""
    deadline = time.monotonic() + patience
    while True:
        now = await progress(stack, ledger, journalists)
        if now.done() or time.monotonic() > deadline:
            return now
        await asyncio.sleep(1.0)


async def recovered(stack: Stack, ledger: Ledger, journalists: int, since: float,
                    patience: float = 180.0) -> float | None:
    """Seconds from `since` (the fault's end, monotonic) until every report acknowledged by then
    was published and emailed; None if that did not happen within `patience`."""
    ids = set(ledger.reports.values())
    deadline = since + patience
    while time.monotonic() < deadline:
        if ids <= set(ledger.approved):
            published, sent = await article_states(stack, ids, journalists=journalists)
            if published == len(ids) and sent == len(ids) * journalists:
                return round(time.monotonic() - since, 2)
        await asyncio.sleep(0.5)
    return None


async def drained(stack: Stack, since: float, patience: float = 120.0) -> float | None:
    """Seconds from `since` until no outbox holds a pending event (what was saved during the
    outage has been relayed); None if not within `patience`."""
    while time.monotonic() < since + patience:
        pending = 0
        for service, collection in OUTBOXES:
            pending += await _count(stack, service, collection,
                                    {f"{OUTBOX_FIELD}.0": {"$exists": True}})
        if pending == 0:
            return round(time.monotonic() - since, 2)
        await asyncio.sleep(0.2)
    return None
