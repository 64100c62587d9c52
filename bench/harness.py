"""What the benchmarks share: their own Kafka and database, services run as production runs them.

Each benchmark starts a fresh Kafka and secantus-mdb in a temporary directory, runs the services
as subprocesses (`python -m services.<name>`, WARTA_ENV=production, JSON logs at INFO, private
secrets), and writes its figures to bench/results/<name>.json and into docs/benchmarks/<name>.md
between the `bench:results` markers, so the documentation shows the latest run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import platform
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.settings import Settings
from warta_cli import infra
from warta_cli.stack import wait_services_ready

RESULTS_DIR = infra.ROOT / "bench" / "results"
DOCS_DIR = infra.ROOT / "docs" / "benchmarks"
BEGIN, END = "<!-- bench:results -->", "<!-- /bench:results -->"


@dataclass(frozen=True)
class Base:
    """A benchmark's own infrastructure: its directory, Kafka and the database server."""

    directory: Path
    bootstrap: str
    mongo_url: str
    kafka: infra.Process
    mongo: infra.Process


@contextlib.contextmanager
def fresh_infra(name: str) -> Iterator[Base]:
    """Kafka and secantus-mdb on free ports; the directory goes too unless the run failed."""
    libs, binary = infra.install_kafka(), infra.build_secantus()
    directory = Path(tempfile.mkdtemp(prefix=f"warta-bench-{name}-"))
    kafka_port, controller, mongo_port = (infra.free_port() for _ in range(3))
    kafka = infra.start_kafka(libs, directory / "kafka", kafka_port, controller)
    mongo = infra.start_mongo(binary, directory / "mongo", mongo_port)
    quiet = logging.getLogger("aiokafka")
    try:
        quiet.setLevel(logging.CRITICAL)  # refusals while Kafka starts are expected, not news
        infra.wait_kafka_ready(f"127.0.0.1:{kafka_port}", kafka)
        quiet.setLevel(logging.NOTSET)
        infra.wait_mongo_ready(mongo_port, mongo)
        yield Base(directory, f"127.0.0.1:{kafka_port}", infra.mongo_url(mongo_port), kafka,
                   mongo)
    except BaseException:
        print(f"logs kept in {directory}", file=sys.stderr, flush=True)
        raise
    else:
        shutil.rmtree(directory, ignore_errors=True)
    finally:
        infra.stop(kafka)
        infra.stop(mongo)


def production_settings(base: Base, **overrides: Any) -> Settings:
    """As production runs: WARTA_ENV=production, private secrets, INFO; loopback ports."""
    ports = {f"{s}_port": infra.free_port() for s in ("ingest", "editorial", "publisher",
                                                       "notifier")}
    values: dict[str, Any] = {
        "env": "production", "log_level": "INFO", "kafka_bootstrap": base.bootstrap,
        "mongo_url": base.mongo_url, "db_prefix": "bench", "smtp_port": infra.free_port(),
        "jwt_secret": secrets.token_hex(32), "unsubscribe_secret": secrets.token_hex(32),
        "editorial_totp_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "attachments_dir": str(base.directory / "attachments"), **ports,
        "public_base_url": f"http://127.0.0.1:{ports['ingest_port']}",
        "website_base_url": f"http://127.0.0.1:{ports['publisher_port']}", **overrides}
    return Settings(**values)


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The WARTA_* environment that gives a service subprocess exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARTA_")}
    for name, raw in settings.model_dump().items():
        if raw is None:
            continue
        value = raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw
        env[f"WARTA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(
            value)
    return {**env, **extra}


@contextlib.contextmanager
def running(settings: Settings, base: Base, names: Sequence[str], env: dict[str, str]
            ) -> Iterator[dict[str, infra.Process]]:
    """The named services as subprocesses, ready (their /readyz answers 200), stopped after."""
    processes = [infra.spawn(name, [sys.executable, "-m", f"services.{name}"],
                             base.directory / "logs" / f"{name}.log", env=env, cwd=infra.ROOT)
                 for name in names]
    try:
        wait_services_ready(settings, processes)
        yield {p.name: p for p in processes}
    finally:
        for process in processes:
            infra.stop(process)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (utime and stime of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Each process's CPU since the meter started, in percent of one core of wall time."""

    def __init__(self, processes: dict[str, infra.Process]) -> None:
        self._pids = {name: p.popen.pid for name, p in processes.items()}
        self._wall = time.monotonic()
        self._before = {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def percent(self) -> dict[str, float]:
        wall = time.monotonic() - self._wall
        return {name: round(100 * (cpu_seconds(pid) - self._before[name]) / wall, 1)
                for name, pid in self._pids.items()}


def cpu_percent(processes: dict[str, infra.Process], seconds: float) -> dict[str, float]:
    """Each process's CPU over `seconds` of wall time, in percent of one core."""
    meter = CpuMeter(processes)
    time.sleep(seconds)
    return meter.percent()


async def open_loop(rate: float, count: int,
                    fire: Callable[[int], Coroutine[Any, Any, None]]) -> float:
    """Start `fire(n)` at start + n/rate whatever the earlier ones do (no coordinated
    omission); returns the seconds until the last one finished."""
    start = time.monotonic()
    tasks: list[asyncio.Task[None]] = []
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(fire(n)))
    await asyncio.gather(*tasks)
    return time.monotonic() - start


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p99/max/mean in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.50), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms, default=0), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0}


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average_at_start": os.getloadavg()}


def stamp(name: str, **fields: Any) -> dict[str, Any]:
    return {"benchmark": name, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(), "kafka": infra.KAFKA_VERSION,
            "database": f"secantus-mdb {infra.SECANTUS_VERSION}", **fields}


def publish(name: str, result: dict[str, Any], table: str) -> None:
    """bench/results/<name>.json, and the table between the markers of its docs page."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    doc = DOCS_DIR / f"{name}.md"
    block = f"{BEGIN}\n{table}\n{END}"
    if doc.exists() and BEGIN in doc.read_text():
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
        doc.write_text(pattern.sub(lambda _: block, doc.read_text()))
    print(f"\nwritten {path} and the results block of {doc}\n\n{table}", flush=True)
