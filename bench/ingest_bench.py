"""Ingest benchmark (figures, not pass/fail): reports accepted over HTTP against the raw floor.

In one run on this machine, against a fresh Kafka and secantus-mdb started here (bench.harness):
1. ingest over HTTP (`python -m services.ingest`, one process): reports accepted per second and
   p50/p99 latency, closed loop, at several concurrencies (hey, then httpx);
2. the raw floor: the same report document inserted with motor plus the same envelope produced
   with aiokafka (idempotent, acks=all), no HTTP, at the same concurrencies;
3. open loop at half of the peak HTTP rate: the latency an OPD sees when ingest is not saturated.

Writes bench/results/ingest.json and the results block of docs/benchmarks/ingest.md.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench import harness
from bench.hey import hey_runs, install_hey
from bench.ingest_report import markdown
from bench.opd import create_opd, report_body
from shared import topics
from shared.envelope import new_id, root_event, utcnow
from shared.events.common import OpdRef, ReportContent
from shared.events.reports import REPORT_SUBMITTED, ReportSubmittedV1
from shared.kafka import EventBus, ensure_topics, make_broker
from shared.mongo import MongoHandle
from shared.outbox import outbox_field
from shared.settings import Settings
from warta_cli import infra
from warta_cli.stack import wait_services_ready

CONCURRENCIES = (1, 4, 16, 32)
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
SECONDS = float(os.environ.get("BENCH_SECONDS", "1" if SMOKE else "6"))


def summarise(latencies: list[float], seconds: float, errors: int) -> dict[str, float]:
    ordered = sorted(latencies)
    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0
    return {"accepted": len(ordered), "errors": errors, "seconds": round(seconds, 2),
            "per_second": round(len(ordered) / seconds, 1), "p50_ms": round(pct(0.50), 1),
            "p99_ms": round(pct(0.99), 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1) if ordered else 0.0}


async def closed_loop(concurrency: int, one: Callable[[int], Awaitable[bool]]
                      ) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    until = time.monotonic() + SECONDS

    async def worker() -> None:
        nonlocal errors, counter
        while time.monotonic() < until:
            counter += 1
            started = time.perf_counter()
            ok = await one(counter)
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summarise(latencies, time.monotonic() - started, errors)


async def open_loop(rate: float, one: Callable[[int], Awaitable[bool]]) -> dict[str, float]:
    """Requests start on a fixed schedule, whatever earlier ones do (no coordinated omission)."""
    latencies: list[float] = []
    errors = 0
    tasks: list[asyncio.Task[None]] = []
    total = int(rate * SECONDS)
    start = time.monotonic()

    async def fire(n: int, scheduled: float) -> None:
        nonlocal errors
        ok = await one(n)
        if ok:
            latencies.append(time.monotonic() - scheduled)  # measured from the scheduled start
        else:
            errors += 1

    for n in range(total):
        scheduled = start + n / rate
        await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
        tasks.append(asyncio.create_task(fire(n, scheduled)))
    await asyncio.gather(*tasks)
    return summarise(latencies, time.monotonic() - start, errors)


async def http_runs(base_url: str, key: str, peak: float
                    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The same closed loop with a Python client (httpx), then the open loop at `peak / 2`."""
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=max(CONCURRENCIES), max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits,
                                 timeout=30) as client:
        async def one(n: int) -> bool:
            response = await client.post("/v1/reports", json=report_body(n))
            return response.status_code == 201

        for n in range(50):  # warm up: connections, caches, the JIT-less interpreter's imports
            await one(n)
        runs = []
        for concurrency in CONCURRENCIES:
            result = await closed_loop(concurrency, one)
            runs.append({"concurrency": concurrency, **result})
            print(f"http   c={concurrency:<3} {result}", flush=True)
        half = await open_loop(peak / 2, one)
        half = {"rate": round(peak / 2, 1), **half}
        print(f"http   open loop at half peak {half}", flush=True)
    return runs, half


async def raw_runs(settings: Settings, opd: OpdRef, *, clear_outbox: bool = False
                   ) -> list[dict[str, Any]]:
    """The floor: the insert and the produce ingest does for a report, without HTTP.

    With `clear_outbox`, also the outbox clean-up ingest's relay does after producing (a second
    write per report): the diagnostic that shows where the gap to the floor comes from.
    """
    label = "raw+pull" if clear_outbox else "raw"
    mongo = MongoHandle(settings, f"rawfloor{int(clear_outbox)}")
    broker = make_broker(settings, "rawfloor")
    await broker.start()
    bus = EventBus(broker)
    collection = mongo.db["reports"]
    runs = []
    try:
        async def one(n: int) -> bool:
            body = report_body(n)
            report_id, now = new_id(), utcnow()
            content = ReportContent(title=body["title"], body_html=body["body"],
                                    summary=body["summary"],
                                    activity_at=datetime.fromisoformat(body["activity_at"]),
                                    location=body["location"], category=body["category"],
                                    tags=body["tags"])
            event = root_event(type=REPORT_SUBMITTED, version=1, source="bench",
                               subject=report_id, data=ReportSubmittedV1(
                                   report_id=report_id, opd=opd, content=content,
                                   submitted_at=now))
            outbox = outbox_field([event])
            await collection.insert_one({"_id": report_id, "opd_id": opd.id,
                                         "content": content.model_dump(), "submitted_at": now,
                                         "outbox": outbox})
            await bus.publish_event(topics.REPORTS, event)
            if clear_outbox:
                await collection.update_one({"_id": report_id}, {"$pull": {"outbox": outbox[0]}})
            return True

        for n in range(50):
            await one(n)
        for concurrency in CONCURRENCIES:
            result = await closed_loop(concurrency, one)
            runs.append({"concurrency": concurrency, **result})
            print(f"{label:<8} c={concurrency:<3} {result}", flush=True)
    finally:
        await broker.stop()
        mongo.close()
    return runs


def main() -> int:
    """Infrastructure is started synchronously (its readiness probes run their own loops)."""
    with harness.fresh_infra("ingest") as base:
        http_port = infra.free_port()
        settings = Settings(env="development", kafka_bootstrap=base.bootstrap, log_level="WARNING",
                            mongo_url=base.mongo_url, db_prefix="bench", ingest_port=http_port,
                            attachments_dir=str(base.directory / "attachments"),
                            public_base_url=f"http://127.0.0.1:{http_port}")
        result = asyncio.run(measure(settings, base.directory))
    harness.publish("ingest", result, markdown(result))
    return 0


async def measure(settings: Settings, base: Path) -> dict[str, Any]:
    await ensure_topics(settings.kafka_bootstrap)
    opd, key = await create_opd(settings)
    env = {**os.environ, "WARTA_ENV": "development",
           "WARTA_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "WARTA_MONGO_URL": settings.mongo_url, "WARTA_DB_PREFIX": "bench",
           "WARTA_INGEST_PORT": str(settings.ingest_port), "WARTA_LOG_LEVEL": "WARNING",
           "WARTA_PUBLIC_BASE_URL": settings.public_base_url,
           "WARTA_ATTACHMENTS_DIR": settings.attachments_dir,
           "WARTA_INGEST_RATE_PER_SECOND": "100000", "WARTA_INGEST_RATE_BURST": "100000"}
    service = infra.spawn("ingest", [sys.executable, "-m", "services.ingest"],
                          base / "ingest.log", env=env, cwd=infra.ROOT)
    try:
        wait_services_ready(settings, [service])
        hey = hey_runs(install_hey(), settings.public_base_url, key, base, seconds=SECONDS,
                       concurrencies=CONCURRENCIES)
        peak_http = max(r["per_second"] for r in hey)
        http, half = await http_runs(settings.public_base_url, key, peak_http)
    finally:
        infra.stop(service)
    raw = await raw_runs(settings, opd)
    raw_pull = await raw_runs(settings, opd, clear_outbox=True)
    peak_raw = max(r["per_second"] for r in raw)
    return harness.stamp(
        "ingest", smoke=SMOKE, seconds_per_run=SECONDS, http_hey=hey, http_httpx=http,
        raw_floor=raw, raw_floor_with_outbox_pull=raw_pull, http_half_peak_open_loop=half,
        aims={"http_peak_over_raw_peak": round(peak_http / peak_raw, 3), "at_least": 0.6,
              "half_peak_p99_ms": half["p99_ms"], "p99_under_ms": 250})


if __name__ == "__main__":
    sys.exit(main())
