"""Photo benchmark (figures, not pass/fail): 12-megapixel JPEG uploads at 4 clients, `make bench`.

Fresh Kafka and secantus-mdb; ingest as production runs it (`python -m services.ingest`,
WARTA_ENV=production, JSON logs at INFO). Every upload a different file (bench/photos.py). The
floor, in the same run: the bare re-encode ingest does (services/ingest/attachments/media.py
`process`) of the same files on as many threads as there are clients, measured before and after
the HTTP run. Writes bench/results/photos.json and the results block of docs/benchmarks/photos.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench import harness
from bench.opd import create_opd
from bench.photo_report import markdown
from bench.photos import camera_photo, variants
from services.ingest.attachments import media
from services.ingest.config import IngestConfig
from shared.kafka import ensure_topics
from shared.settings import Settings
from warta_cli.stack import service_url

CLIENTS = 4
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
UPLOADS = int(os.environ.get("BENCH_PHOTOS", "4" if SMOKE else "16"))
BASES = 2 if SMOKE else 4


def floor(photos: list[bytes], threads: int) -> dict[str, Any]:
    """The re-encode alone: `media.process` over every photo, `threads` at a time."""
    config = IngestConfig()
    latencies: list[float] = []

    def one(data: bytes) -> None:
        started = time.perf_counter()
        media.process(data, max_pdf_bytes=config.max_pdf_bytes,
                      max_pixels=config.max_image_pixels)
        latencies.append(time.perf_counter() - started)

    started, cpu = time.monotonic(), harness.cpu_seconds(os.getpid())
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, photos))
    seconds = time.monotonic() - started
    cpu_percent = round(100 * (harness.cpu_seconds(os.getpid()) - cpu) / seconds, 1)
    return {"photos": len(photos), "threads": threads, "seconds": round(seconds, 2),
            "cpu_percent": cpu_percent,
            "per_second": round(len(photos) / seconds, 3),
            "each": harness.latency_summary(latencies)}


async def uploads(base_url: str, key: str, photos: list[bytes], clients: int
                  ) -> dict[str, Any]:
    """`clients` concurrent uploaders over one shared queue of the photos."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(photos):
        queue.put_nowait(item)
    statuses: Counter[str] = Counter()
    samples: dict[str, str] = {}
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
            while not queue.empty():
                n, data = queue.get_nowait()
                started = time.perf_counter()
                try:
                    response = await http.post("/v1/attachments", files={
                        "file": (f"IMG_{n:06d}.jpg", data, "image/jpeg")})
                    status, body = str(response.status_code), response.text[:300]
                except httpx.HTTPError as exc:  # a dropped connection is an outcome too
                    status, body = type(exc).__name__, str(exc)[:300]
                statuses[status] += 1
                samples.setdefault(status, body)
                if status == "201":
                    latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.monotonic() - started
    return {"uploads": len(photos), "clients": clients, "seconds": round(seconds, 2),
            "statuses": dict(statuses), "per_second": round(statuses["201"] / seconds, 3),
            "each_201": harness.latency_summary(latencies),
            "answers": {s: b for s, b in samples.items() if s != "201"}}


async def setup(settings: Settings) -> str:
    await ensure_topics(settings.kafka_bootstrap)
    return (await create_opd(settings))[1]


def main() -> int:
    started = time.monotonic()
    bases = [camera_photo(seed) for seed in range(BASES)]
    photos = variants(bases, UPLOADS)
    made = round(time.monotonic() - started, 1)
    sizes = [len(p) / 1_048_576 for p in photos]
    print(f"{len(photos)} photos ({min(sizes):.1f}-{max(sizes):.1f} MiB) made in {made} s",
          flush=True)
    with harness.fresh_infra("photos") as base:
        settings = harness.production_settings(base)
        key = asyncio.run(setup(settings))
        with harness.running(settings, base, ["ingest"], harness.service_env(settings)) as procs:
            before = floor(photos, CLIENTS)
            print(f"floor before {before}", flush=True)
            ingest_cpu = harness.cpu_seconds(procs["ingest"].popen.pid)
            http = asyncio.run(uploads(service_url(settings, "ingest"), key, photos, CLIENTS))
            http["ingest_cpu_percent"] = round(100 * (harness.cpu_seconds(
                procs["ingest"].popen.pid) - ingest_cpu) / http["seconds"], 1)
            print(f"http {http}", flush=True)
            after = floor(photos, CLIENTS)
            print(f"floor after {after}", flush=True)
            log_errors = errors_logged(procs["ingest"].log_path.read_text())
    floor_rate = (before["per_second"] + after["per_second"]) / 2
    result = harness.stamp(
        "photos", smoke=SMOKE, photo={"width": 4000, "height": 3000, "distinct_pixels": BASES,
                                      "mib_min": round(min(sizes), 2),
                                      "mib_max": round(max(sizes), 2), "made_seconds": made},
        http=http, floor_before=before, floor_after=after, ingest_log_errors=log_errors,
        aims={"http_over_floor": round(http["per_second"] / floor_rate, 3), "at_least": 0.9,
              "all_201": http["statuses"].get("201", 0) == UPLOADS})
    harness.publish("photos", result, markdown(result))
    return 0


def errors_logged(log: str, limit: int = 3) -> list[str]:
    """The first errors ingest logged (JSON lines), so a 500's cause is in the result."""
    found = []
    for raw in log.splitlines():
        with contextlib.suppress(ValueError):
            line = json.loads(raw)
            if isinstance(line, dict) and line.get("level") in ("error", "critical"):
                last = str(line.get("exc", "")).strip().splitlines()[-1:] or [""]
                found.append(f"{line.get('msg')}: {last[0]}"[:400])
    return found[:limit]


if __name__ == "__main__":
    sys.exit(main())
