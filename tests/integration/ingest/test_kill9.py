"""kill -9 of ingest under load: every report that got a 201 reaches Kafka, once in effect.

Clients behave like the OPD scripts we expect: each report has its own Idempotency-Key, and a
request that got no answer (connection reset by the crash) is retried with the same key until it
gets one. The ledger holds what was acknowledged; the topic is read back after quiescence.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest

from shared import topics
from shared.mongo import MongoHandle
from shared.outbox import OUTBOX_FIELD
from shared.settings import Settings
from tests.conftest import settings_env
from tests.integration.ingest.support import make_opd, report, start_ingest
from tests.probes import collect_envelopes
from warta_cli import infra
from warta_cli.stack import wait_services_ready

pytestmark = pytest.mark.crash
CLIENTS = 8


async def post_until_answered(client: httpx.AsyncClient, key: str, headers: dict[str, str],
                              stop_at: float) -> httpx.Response | None:
    body = report(title=f"Laporan beban {key}")
    while time.monotonic() < stop_at:
        try:
            response = await client.post("/v1/reports", json=body,
                                         headers={**headers, "Idempotency-Key": key})
        except httpx.TransportError:
            await asyncio.sleep(0.2)  # the process is down: retry the same key, like a client
            continue
        if response.status_code == 503:
            await asyncio.sleep(0.2)
            continue
        return response
    return None


async def submitted_events(settings: Settings, opd_id: str, wanted: int, patience: float
                           ) -> dict[str, list[str]]:
    """report id -> the ids of its report.submitted events, for one OPD, once the topic has
    been quiet for 3 s after `wanted` arrived (so duplicates and strays would show)."""
    events = await collect_envelopes(
        settings.kafka_bootstrap, topics.REPORTS,
        lambda e: e["type"] == "report.submitted" and e["data"].get("opd", {}).get("id") == opd_id,
        wanted=wanted, patience=patience, quiet=3.0)
    found: dict[str, list[str]] = defaultdict(list)
    for event in events:
        found[event["data"]["report_id"]].append(event["id"])
    return found


async def test_every_acknowledged_report_reaches_kafka_once_in_effect_after_kill_9(
    settings: Settings, tmp_path: Path,
) -> None:
    opd = await make_opd(settings, "BEBAN")
    port = infra.free_port()
    service = settings.model_copy(update={"ingest_port": port,
                                          "public_base_url": f"http://127.0.0.1:{port}"})
    env = {**os.environ, **settings_env(service), "WARTA_INGEST_RATE_PER_SECOND": "10000",
           "WARTA_INGEST_RATE_BURST": "10000"}
    first = start_ingest(tmp_path / "run1", env)
    second: infra.Process | None = None
    acknowledged: dict[str, str] = {}  # idempotency key -> report id
    try:
        wait_services_ready(service, [first])
        stop_at = time.monotonic() + 60
        load_until = time.monotonic() + 6

        async def client_loop(n: int, client: httpx.AsyncClient) -> None:
            i = 0
            while time.monotonic() < load_until:
                key = f"beban-{n}-{i:05d}"
                i += 1
                response = await post_until_answered(client, key, opd.auth, stop_at)
                assert response is not None and response.status_code == 201, \
                    (key, response and response.text)
                acknowledged[key] = response.json()["id"]

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            load = [asyncio.create_task(client_loop(n, client)) for n in range(CLIENTS)]
            await asyncio.sleep(2.0)
            before_kill = len(acknowledged)
            os.kill(first.popen.pid, signal.SIGKILL)  # no shutdown hook, no outbox flush
            first.popen.wait()
            second = start_ingest(tmp_path / "run2", env)
            await asyncio.gather(*load)
    except BaseException:
        infra.stop(first)
        if second is not None:
            infra.stop(second)
        raise
    try:
        assert before_kill > 0, "the kill must land under load"
        assert len(acknowledged) > before_kill, "the restarted process must take load again"
        events = await submitted_events(settings, opd.id, len(acknowledged), patience=60)
        acked_ids = set(acknowledged.values())
        assert len(acked_ids) == len(acknowledged)  # one report per key
        missing = acked_ids - set(events)
        assert not missing, f"{len(missing)} acknowledged reports never reached Kafka"
        assert set(events) == acked_ids, "a report nobody was told about reached Kafka"
        # Redelivery of the same event is allowed (consumers dedupe by event id); two different
        # submitted events for one report would be two reports for editorial.
        assert all(len(set(ids)) == 1 for ids in events.values())
        redelivered = sum(len(ids) - 1 for ids in events.values())
        print(f"\nkill -9: {len(acknowledged)} acknowledged ({before_kill} before the kill), "
              f"{redelivered} redelivered copies absorbed by event id")
        mongo = MongoHandle(settings, "ingest")
        try:
            pending = await mongo.db["reports"].count_documents({f"{OUTBOX_FIELD}.0":
                                                                 {"$exists": True}})
        finally:
            mongo.close()
        assert pending == 0
    finally:
        infra.stop(first)
        if second is not None:
            infra.stop(second)
