"""Outages answer honestly (real broker and database, paused with SIGSTOP for a while):
a change saved while the broker is down answers 2xx and goes out when the broker returns; while
the database is down, a write answers 201 or a JSON 503 whose outcome is "unknown", never 500."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fastapi import APIRouter

from shared import topics
from shared.envelope import root_event
from shared.events.reports import REPORT_WITHDRAWN, ReportWithdrawnV1
from shared.kafka import ensure_topics
from shared.outbox import outbox_field
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.conftest import Infra, running
from tests.integration.ingest.support import events_for, ingest, make_opd, report
from tests.probes import envelopes_in, eventually, read_topic

log = logging.getLogger("tests.outages")


OUTAGE_SECONDS = 10.0


@contextlib.asynccontextmanager
async def paused(pid: int) -> AsyncIterator[None]:
    """The process is stopped for at least OUTAGE_SECONDS (longer if the body takes longer)."""
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    try:
        yield
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
    finally:
        os.kill(pid, signal.SIGCONT)


def decision_app(settings: Settings) -> tuple[ServiceRuntime, object]:
    """A service whose route saves a change with its event, then awaits the relay's fast path:
    what an editorial decision does."""
    runtime = ServiceRuntime(settings, "outages")
    things = runtime.mongo.db["things"]
    relay = runtime.relay(things, topics.REPORTS)
    router = APIRouter()

    @router.post("/v1/things/{thing_id}/decide")
    async def decide(thing_id: str) -> dict[str, str]:
        data = ReportWithdrawnV1(report_id=thing_id, opd_id="opd-1",
                                 withdrawn_at=datetime.now(UTC))
        event = root_event(type=REPORT_WITHDRAWN, version=1, source="test", subject=thing_id,
                           data=data)
        await things.insert_one({"_id": thing_id, "outbox": outbox_field([event])})
        await relay.relay_document(thing_id)
        return {"event_id": event.id}

    return runtime, runtime.build_app(title="outages", routers=[router])


async def test_a_change_saved_while_the_broker_is_down_answers_2xx_and_goes_out_later(
    settings: Settings, real_infra: Infra,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    runtime, app = decision_app(settings)
    thing_id = f"t-{uuid.uuid4().hex}"
    async with running(app) as client:  # type: ignore[arg-type]
        async with paused(real_infra.kafka_pid):
            answer = await asyncio.wait_for(
                client.post(f"/v1/things/{thing_id}/decide"), timeout=60)
        resumed = time.monotonic()
        assert answer.status_code == 200, answer.text
        event_id = answer.json()["event_id"]

        async def relayed() -> bool:
            doc = await runtime.mongo.db["things"].find_one({"_id": thing_id})
            return doc is not None and doc["outbox"] == []

        await eventually(relayed, "the saved event relayed after the broker returned", 60)
        log.info("relayed after the broker returned", extra={
            "seconds": round(time.monotonic() - resumed, 2)})
    records = await read_topic(settings.kafka_bootstrap, topics.REPORTS, 10_000, 5)
    assert event_id in {e["id"] for e in envelopes_in(records)}


async def test_a_write_during_a_database_outage_answers_honestly_and_is_relayed_after(
    settings: Settings, real_infra: Infra,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    opd = await make_opd(settings, f"dinas{uuid.uuid4().hex[:6]}")
    key = f"key-{uuid.uuid4().hex}"
    headers = {**opd.auth, "Idempotency-Key": key}
    async with ingest(settings) as client:
        warm = await client.get("/v1/reports", headers=opd.auth)  # the key is cached now
        assert warm.status_code == 200, warm.text
        async with paused(real_infra.mongo_pid):
            during = await asyncio.wait_for(
                client.post("/v1/reports", headers=headers, json=report()), timeout=60)
        resumed = time.monotonic()
        assert during.status_code in (201, 503), during.text
        if during.status_code == 503:
            assert during.headers["Retry-After"].isdigit()
            error = during.json()["error"]
            assert error["details"]["outcome"] == "unknown", error
            assert "nothing was saved" not in error["message"]
        retried = await client.post("/v1/reports", headers=headers, json=report())
        assert retried.status_code == 201, retried.text
        report_id = retried.json()["id"]
        events = await events_for(settings, report_id, 1, patience=60, settle=2)
        log.info("submitted event out after the database returned", extra={
            "seconds": round(time.monotonic() - resumed, 2), "answer_during": during.status_code})
    firsts = {e["id"]: e["type"] for e in events}  # a duplicate delivery is allowed
    assert list(firsts.values()) == ["report.submitted"]
