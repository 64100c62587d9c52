"""The outbox sweep finds what crashed writers left, within seconds, through an index."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

from shared import topics
from shared.envelope import Envelope, root_event
from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import MongoHandle
from shared.outbox import OutboxRelay, outbox_field
from shared.settings import Settings
from tests.probes import envelopes_in, eventually, read_topic

log = logging.getLogger("tests.sweep")


def event_of(doc_id: str) -> Envelope:
    data = ReportWithdrawnV1(report_id=doc_id, opd_id="opd-1", withdrawn_at=datetime.now(UTC))
    return root_event(type=REPORT_WITHDRAWN, version=1, source="test", subject=doc_id, data=data)


async def test_a_crashed_writers_leftover_is_relayed_by_the_running_sweep(settings: Settings
                                                                         ) -> None:
    """Another process wrote the event and died before relaying it; this process's sweep,
    already past its start-up scan, must still find it (it is no suspect of its own)."""
    await ensure_topics(settings.kafka_bootstrap)
    mongo = MongoHandle(settings, "sweep")
    broker = make_broker(settings, "sweep")
    await broker.start()
    relay = OutboxRelay(mongo.db["things"], topics.REPORTS, EventBus(broker),
                        grace=timedelta(seconds=1))
    with contextlib.suppress(AttributeError):  # the index is the relay's to create
        await relay.ensure_index()
    sweeping = asyncio.create_task(relay.run_forever(0.3))
    try:
        await asyncio.sleep(3)  # the start-up scan is over
        doc_id = f"r-{uuid.uuid4().hex}"
        leftover = event_of(doc_id)
        await mongo.db["things"].insert_one({"_id": doc_id, "outbox": outbox_field([leftover])})
        written = time.monotonic()

        async def relayed() -> bool:
            doc = await mongo.db["things"].find_one({"_id": doc_id})
            return doc is not None and doc["outbox"] == []

        await eventually(relayed, "the leftover event relayed by the sweep", patience=30)
        log.info("leftover relayed", extra={"after_s": round(time.monotonic() - written, 2)})
    finally:
        sweeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeping
        await broker.stop()
    records = await read_topic(settings.kafka_bootstrap, topics.REPORTS, 10_000, 5)
    assert leftover.id in {e["id"] for e in envelopes_in(records)}
    mongo.close()


async def test_the_sweep_reads_only_pending_documents_through_its_index(settings: Settings
                                                                       ) -> None:
    from shared.outbox import PENDING, PENDING_INDEX

    mongo = MongoHandle(settings, "sweepindex")
    collection = mongo.db["things"]
    try:
        await collection.insert_many([{"_id": f"done-{n}", "outbox": []} for n in range(3000)])
        await collection.insert_one({"_id": "pending", "outbox": outbox_field([event_of("p")])})
        await collection.create_indexes([PENDING_INDEX])
        plan = await collection.find(PENDING, {"_id": 1}).hint(
            PENDING_INDEX.document["name"]).explain()
        found = [d["_id"] async for d in collection.find(PENDING, {"_id": 1}).hint(
            PENDING_INDEX.document["name"])]
        assert found == ["pending"]
        stats = plan.get("executionStats", {})
        log.info("sweep plan", extra={"plan": str(plan.get("queryPlanner", plan))[:2000]})
        assert "COLLSCAN" not in str(plan.get("queryPlanner", plan))
        if "totalDocsExamined" in stats:
            assert stats["totalDocsExamined"] <= 1
    finally:
        mongo.close()
