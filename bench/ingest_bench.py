"""Ingest benchmark (figures, not pass/fail): `make bench`.

In one run on this machine, against a fresh Kafka and FerretDB started here:
1. ingest over HTTP (`python -m services.ingest`, one process): reports accepted per second and
   p50/p99 latency, closed loop, at several concurrencies;
2. the raw floor: the same report document inserted with motor plus the same envelope produced
   with aiokafka (idempotent, acks=all), no HTTP, at the same concurrencies;
3. open loop at half of the peak HTTP rate: the latency an OPD sees when ingest is not saturated.

Writes bench/results/ingest.json and prints a Markdown table for docs/benchmarks/ingest.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.ingest.onboarding import OpdAdmin
from services.ingest.opds import OpdRepository
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
HEY = "github.com/rakyll/hey@v0.1.4"  # a Go load generator: the client costs little CPU
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
RESULTS = infra.ROOT / "bench" / "results" / "ingest.json"


def report_body(n: int) -> dict[str, Any]:
    return {
        "title": f"Rapat koordinasi penanganan banjir nomor {n}",
        "body": "<p>Rapat koordinasi dihadiri <b>camat</b> dan lurah se-kecamatan.</p>" * 8,
        "summary": "Rapat koordinasi penanganan banjir",
        "activity_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "location": "Kantor Camat Biringkanaya", "category": "pemerintahan",
        "tags": ["banjir", "koordinasi"],
    }


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


async def create_opd(settings: Settings) -> tuple[OpdRef, str]:
    mongo = MongoHandle(settings, "ingest")
    try:
        repo = OpdRepository(mongo.db)
        await repo.ensure_indexes()
        opd, _, key = await OpdAdmin(repo).create(code="BENCH", name="Dinas Bench",
                                                  region="Kota Makassar", timezone="WITA")
        return OpdRef(id=opd["_id"], code="BENCH", name="Dinas Bench", region="Kota Makassar",
                      timezone="Asia/Makassar"), key
    finally:
        mongo.close()


def install_hey() -> Path:
    binary = infra.HOME / "bin" / "hey"
    if not binary.exists():
        subprocess.run(["go", "install", HEY], check=True,
                       env={**os.environ, "GOBIN": str(binary.parent)})
    return binary


def hey_runs(hey: Path, base_url: str, key: str, workdir: Path) -> list[dict[str, Any]]:
    """Closed loop over HTTP with a client that costs little CPU (2 cores are shared here)."""
    body = workdir / "report.json"
    body.write_text(json.dumps(report_body(0)))
    runs = []
    for concurrency in CONCURRENCIES:
        output = subprocess.run(
            [str(hey), "-z", f"{SECONDS}s", "-c", str(concurrency), "-m", "POST",
             "-T", "application/json", "-H", f"Authorization: Bearer {key}", "-D", str(body),
             f"{base_url}/v1/reports"], capture_output=True, text=True, check=True).stdout
        result = parse_hey(output)
        runs.append({"concurrency": concurrency, **result})
        print(f"hey    c={concurrency:<3} {result}", flush=True)
    return runs


def parse_hey(output: str) -> dict[str, float]:
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    def latency(p: int) -> float:
        found = re.search(rf"\s{p}% in ([\d.]+) secs", output)
        return round(float(found[1]) * 1000, 1) if found else 0.0
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses",
                                                             output)}
    return {"accepted": statuses.get(201, 0),
            "errors": sum(n for code, n in statuses.items() if code != 201),
            "seconds": SECONDS, "per_second": round(per_second, 1),
            "p50_ms": latency(50), "p99_ms": latency(99)}


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


def markdown(result: dict[str, Any]) -> str:
    lines = ["| concurrency | HTTP (hey) /s | p50 ms | p99 ms | HTTP (httpx) /s | p50 ms | "
             "p99 ms | raw floor /s | p50 ms | p99 ms | hey / raw |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for hey, http, raw in zip(result["http_hey"], result["http_httpx"], result["raw_floor"],
                              strict=True):
        ratio = hey["per_second"] / raw["per_second"] if raw["per_second"] else 0
        lines.append(f"| {hey['concurrency']} | {hey['per_second']} | {hey['p50_ms']} | "
                     f"{hey['p99_ms']} | {http['per_second']} | {http['p50_ms']} | "
                     f"{http['p99_ms']} | {raw['per_second']} | {raw['p50_ms']} | "
                     f"{raw['p99_ms']} | {ratio:.0%} |")
    pulls = ", ".join(f"c={r['concurrency']}: {r['per_second']}/s (p99 {r['p99_ms']} ms)"
                      for r in result["raw_floor_with_outbox_pull"])
    half, aims = result["http_half_peak_open_loop"], result["aims"]
    lines += ["", f"Raw floor plus the outbox clean-up write: {pulls}.",
              "", f"Peak HTTP / peak raw floor: {aims['http_peak_over_raw_peak']:.0%} "
              f"(aim: at least 60%).",
              f"Open loop at half the HTTP peak ({half['rate']}/s for {half['seconds']} s, "
              f"measured from each request's scheduled start): p50 {half['p50_ms']} ms, "
              f"p99 {half['p99_ms']} ms, errors {half['errors']} (aim: p99 under 250 ms)."]
    return "\n".join(lines)


def main() -> int:
    """Infrastructure is started synchronously (its readiness probes run their own loops)."""
    libs, binary = infra.install_kafka(), infra.build_ferretdb()
    base = Path(tempfile.mkdtemp(prefix="warta-bench-"))
    kafka_port, controller, mongo_port, http_port = (infra.free_port() for _ in range(4))
    kafka = infra.start_kafka(libs, base / "kafka", kafka_port, controller)
    ferret = infra.start_ferretdb(binary, base / "ferretdb", mongo_port)
    try:
        infra.wait_kafka_ready(f"127.0.0.1:{kafka_port}", kafka)
        infra.wait_mongo_ready(mongo_port, ferret)
        settings = Settings(kafka_bootstrap=f"127.0.0.1:{kafka_port}", log_level="WARNING",
                            mongo_url=f"mongodb://127.0.0.1:{mongo_port}", db_prefix="bench",
                            ingest_port=http_port, attachments_dir=str(base / "attachments"),
                            public_base_url=f"http://127.0.0.1:{http_port}")
        result = asyncio.run(measure(settings, base))
    finally:
        infra.stop(kafka)
        infra.stop(ferret)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten {RESULTS}\n")
    print(markdown(result))
    return 0


async def measure(settings: Settings, base: Path) -> dict[str, Any]:
    await ensure_topics(settings.kafka_bootstrap)
    opd, key = await create_opd(settings)
    env = {**os.environ, "WARTA_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "WARTA_MONGO_URL": settings.mongo_url, "WARTA_DB_PREFIX": "bench",
           "WARTA_INGEST_PORT": str(settings.ingest_port), "WARTA_LOG_LEVEL": "WARNING",
           "WARTA_PUBLIC_BASE_URL": settings.public_base_url,
           "WARTA_ATTACHMENTS_DIR": settings.attachments_dir,
           "WARTA_INGEST_RATE_PER_SECOND": "100000", "WARTA_INGEST_RATE_BURST": "100000"}
    service = infra.spawn("ingest", [sys.executable, "-m", "services.ingest"],
                          base / "ingest.log", env=env, cwd=infra.ROOT)
    try:
        wait_services_ready(settings, [service])
        hey = hey_runs(install_hey(), settings.public_base_url, key, base)
        peak_http = max(r["per_second"] for r in hey)
        http, half = await http_runs(settings.public_base_url, key, peak_http)
    finally:
        infra.stop(service)
    raw = await raw_runs(settings, opd)
    raw_pull = await raw_runs(settings, opd, clear_outbox=True)
    peak_raw = max(r["per_second"] for r in raw)
    return {
        "benchmark": "ingest", "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "seconds_per_run": SECONDS, "kafka": infra.KAFKA_VERSION,
        "ferretdb": infra.FERRETDB_VERSION, "http_hey": hey, "http_httpx": http,
        "raw_floor": raw, "raw_floor_with_outbox_pull": raw_pull,
        "http_half_peak_open_loop": half,
        "aims": {"http_peak_over_raw_peak": round(peak_http / peak_raw, 3),
                 "at_least": 0.6, "half_peak_p99_ms": half["p99_ms"], "p99_under_ms": 250},
    }


if __name__ == "__main__":
    sys.exit(main())
