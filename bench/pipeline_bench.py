"""Pipeline benchmark (figures, not pass/fail): approve -> published on the feed, `make bench`.

Fresh Kafka and secantus-mdb; the notifier's database seeded with 10,000 journalists and 10,000
past deliveries; the four services as production runs them. Reports go in through ingest and
are claimed beforehand; then approvals at 1, 5 and 20 per second (open loop), each timed from
its approve 2xx to the article in GET /feeds/feed.json. At each rate, in the same run, the floor
(bench/pipeline_floor.py). Afterwards, the CPU each process burns while idle. Writes
bench/results/pipeline.json and the results block of docs/benchmarks/pipeline.md.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import httpx

from bench import harness
from bench.editor_login import EditorSession, editor_session, until_honoured
from bench.feed_watch import POLL_SECONDS, FeedWatcher, watching
from bench.opd import create_opd, report_body
from bench.pipeline_floor import floor_run
from bench.pipeline_report import markdown
from bench.pipeline_seed import seed_notifier
from shared.events.common import OpdRef
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from warta_cli import infra
from warta_cli.instances import SERVICES
from warta_cli.mailsink import MailSink
from warta_cli.stack import service_url

RATES = (1.0, 5.0, 20.0)
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
SECONDS = float(os.environ.get("BENCH_PIPELINE_SECONDS", "2" if SMOKE else "10"))
MIN_APPROVALS = 3 if SMOKE else 20
CPU_SECONDS = 3.0 if SMOKE else 10.0
WARM_UP = 5
PATIENCE = 60.0  # per rate: how long to wait for the last article on the feed


async def prepare(ingest: httpx.AsyncClient, editorial: httpx.AsyncClient,
                  session: EditorSession, key: str, count: int) -> list[str]:
    """`count` reports through ingest, each claimed in editorial once intake has it."""
    auth, limit = {"Authorization": f"Bearer {key}"}, asyncio.Semaphore(8)

    async def submit(n: int) -> str:
        async with limit:
            response = await ingest.post("/v1/reports", json=report_body(n), headers=auth)
        if response.status_code != 201:
            raise RuntimeError(f"ingest refused a report: {response.status_code} "
                               f"{response.text[:300]}")
        return str(response.json()["id"])

    async def claim(article_id: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while True:
            async with limit:
                response = await editorial.post(f"/v1/articles/{article_id}/claim",
                                                headers=await session.headers())
            if response.status_code == 200:
                return
            if response.status_code != 404 or time.monotonic() > deadline:
                raise RuntimeError(f"claim failed: {response.status_code} {response.text[:300]}")
            await asyncio.sleep(0.2)  # not in editorial yet: intake comes through Kafka

    ids = list(await asyncio.gather(*(submit(n) for n in range(count))))
    await asyncio.gather(*(claim(article_id) for article_id in ids))
    return ids


async def approve_run(editorial: httpx.AsyncClient, session: EditorSession,
                      watcher: FeedWatcher, ids: list[str], rate: float) -> dict[str, Any]:
    sent: dict[str, float] = {}
    answered: dict[str, float] = {}
    refused: list[str] = []

    async def fire(n: int) -> None:
        article_id, headers = ids[n], await session.headers()
        sent[article_id] = time.monotonic()
        watcher.expect(article_id, sent[article_id], time.time())  # seen even before the 2xx
        response = await editorial.post(f"/v1/articles/{article_id}/approve",
                                        json={"channels": ["feed"]}, headers=headers)
        if response.status_code == 200:
            answered[article_id] = time.monotonic()
        else:
            refused.append(f"{response.status_code} {response.text[:200]}")

    seconds = await harness.open_loop(rate, len(ids), fire)
    missing = await watcher.settle(answered, PATIENCE)
    unpublished = await watcher.look_up(missing, session) if missing else []
    stages = await watcher.stages(answered, session)
    return {"rate": rate, "count": len(ids), "seconds": round(seconds, 2),
            "approved": len(answered), "refused": len(refused), "refusals": refused[:3],
            "published": len(answered) - len(unpublished),
            "seen_in_feed": len(answered) - len(missing),
            "approve_http": harness.latency_summary([answered[i] - sent[i] for i in answered]),
            "to_feed": harness.latency_summary(watcher.latencies(answered)),
            "to_feed_from_request": harness.latency_summary(
                watcher.latencies({i: sent[i] for i in answered})), "stages": stages}


async def measure(settings: Settings, opd: OpdRef, key: str,
                  processes: dict[str, infra.Process]) -> dict[str, Any]:
    urls = {name: service_url(settings, name) for name in SERVICES}
    async with httpx.AsyncClient(base_url=urls["ingest"], timeout=30) as ingest, \
            httpx.AsyncClient(base_url=urls["editorial"], timeout=30) as editorial, \
            httpx.AsyncClient(base_url=urls["publisher"], timeout=30) as publisher:
        session = await editor_session(settings, urls["editorial"])
        await until_honoured(publisher, "/v1/publications?limit=1", session)
        counts = [max(MIN_APPROVALS, int(rate * SECONDS)) for rate in RATES]
        started = time.monotonic()
        ids = await prepare(ingest, editorial, session, key, WARM_UP + sum(counts))
        prepared = time.monotonic() - started
        async with watching(publisher) as watcher:
            warm_up = await approve_run(editorial, session, watcher, ids[:WARM_UP], 1.0)
            runs, floors, offset = [], [], WARM_UP
            for rate, count in zip(RATES, counts, strict=True):
                meter = harness.CpuMeter(processes)
                runs.append(await approve_run(editorial, session, watcher,
                                              ids[offset:offset + count], rate))
                runs[-1]["cpu_percent"] = meter.percent()
                offset += count
                print(f"pipeline {rate:>4}/s {runs[-1]}", flush=True)
                floors.append(await floor_run(settings, watcher, session, opd, rate=rate,
                                              count=count, patience=PATIENCE))
                print(f"floor    {rate:>4}/s {floors[-1]}", flush=True)
            serial = await floor_run(settings, watcher, session, opd, rate=RATES[-1],
                                     count=counts[-1], patience=PATIENCE, serial=True)
            print(f"floor one at a time {RATES[-1]:>4}/s {serial}", flush=True)
        return {"prepare_seconds": round(prepared, 1), "warm_up": warm_up, "runs": runs,
                "floor": floors, "floor_one_at_a_time": serial, "feed_polls": watcher.polls,
                "poll_errors": watcher.poll_errors}


async def drain(settings: Settings, followers: list[str], expected: int,
                patience: float = 90.0) -> dict[str, Any]:
    """Wait until the notifier sent the email each approval causes to each follower of the
    benchmark's OPD, so the CPU sample afterwards is idle time."""
    mongo = MongoHandle(settings, "notifier")
    wanted = {"journalist_id": {"$in": followers}, "state": "sent"}
    started = time.monotonic()
    try:
        while True:
            sent = await mongo.db["deliveries"].count_documents(wanted)
            if sent >= expected or time.monotonic() - started > patience:
                break
            await asyncio.sleep(0.5)
        pending = await mongo.db["deliveries"].count_documents(
            {"state": {"$in": ["pending", "sending", "failed"]}})
        return {"emails_expected": expected, "emails_sent": sent,
                "seconds_after_last_run": round(time.monotonic() - started, 1),
                "deliveries_not_final": pending}
    finally:
        mongo.close()


async def setup(settings: Settings) -> tuple[OpdRef, str, dict[str, Any]]:
    await ensure_topics(settings.kafka_bootstrap)
    opd, key = await create_opd(settings)
    return opd, key, await seed_notifier(settings, opd.id)


def main() -> int:
    with harness.fresh_infra("pipeline") as base:
        settings = harness.production_settings(base)
        started = time.monotonic()
        opd, key, seeded = asyncio.run(setup(settings))
        seeded["seconds"] = round(time.monotonic() - started, 1)
        env = harness.service_env(settings, WARTA_INGEST_RATE_PER_SECOND="100000",
                                  WARTA_INGEST_RATE_BURST="100000")
        sink = MailSink(base.directory / "mail", settings.smtp_port)
        sink.start()
        try:
            with harness.running(settings, base, SERVICES, env) as services:
                processes = {**services, "database": base.mongo, "kafka": base.kafka}
                figures = asyncio.run(measure(settings, opd, key, processes))
                followers = seeded["following_bench_opd"]
                approved = figures["warm_up"]["approved"] + sum(
                    run["approved"] for run in figures["runs"])
                drained = asyncio.run(drain(settings, followers, approved * len(followers)))
                time.sleep(2.0)  # the last relays and commits settle
                cpu = harness.cpu_percent(processes, CPU_SECONDS)
                print(f"idle CPU over {CPU_SECONDS} s: {cpu}", flush=True)
        finally:
            sink.stop()
        emails = len(list((base.directory / "mail").glob("*.eml")))
    result = harness.stamp(
        "pipeline", smoke=SMOKE, seconds_per_rate=SECONDS, poll_seconds=POLL_SECONDS,
        seeded=seeded, **figures, drained={**drained, "emails_received_by_sink": emails},
        idle_cpu_percent={"seconds": CPU_SECONDS, **cpu},
        aims={"p99_ms_at_20_per_s": figures["runs"][-1]["to_feed"]["p99_ms"],
              "p99_under_ms": 1000})
    harness.publish("pipeline", result, markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
