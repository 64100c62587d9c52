"""`warta stack up`: the whole stack on this machine, no Docker: Kafka, FerretDB, four services.

Data persists under .warta/ (git-ignored) across restarts; Ctrl-C stops everything in order
(services first, then the broker and the database); children die with this process even if it
is killed (PR_SET_PDEATHSIG), so nothing is left running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from urllib.parse import urlparse

import httpx

from shared.kafka import ensure_topics
from shared.settings import Settings
from warta_cli import infra
from warta_cli.commands import CommandError, Groups, command_group
from warta_cli.mailsink import MailSink

SERVICES = ("ingest", "editorial", "publisher", "notifier")
DEMO_FILE = "demo.json"


def service_url(settings: Settings, service: str) -> str:
    return f"http://127.0.0.1:{settings.port_of(service)}"


def start_services(settings: Settings, home: Path, env: dict[str, str]) -> list[infra.Process]:
    return [infra.spawn(name, [sys.executable, "-m", f"services.{name}"],
                        home / "logs" / f"{name}.log", env=env, cwd=infra.ROOT)
            for name in SERVICES]


def wait_services_ready(settings: Settings, processes: list[infra.Process],
                        timeout: float = 90.0) -> float:
    started = time.monotonic()
    for process in processes:
        url = f"{service_url(settings, process.name)}/readyz"
        while True:
            if not process.alive():
                raise CommandError(f"{process.name} exited; see {process.log_path}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > timeout:
                raise CommandError(f"{process.name} not ready; see {process.log_path}")
            time.sleep(0.3)
    return time.monotonic() - started


async def seed_demo(settings: Settings, home: Path) -> dict[str, str]:
    """A demo OPD, editor and journalist, created once; their credentials kept for `warta demo`."""
    path = home / DEMO_FILE
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    from warta_cli.editor import create_editor
    from warta_cli.journalist import add_journalist
    from warta_cli.opd import create_opd

    opd_id, api_key = await create_opd(settings, code="DEMO", name="Dinas Demo Warta",
                                       region="Kota Demo", timezone="WIB")
    password = os.urandom(9).hex()
    await create_editor(settings, username="redaktur", name="Redaktur Demo", role="admin",
                        password=password)
    journalist = "wartawan@mitra.example"
    await add_journalist(settings, name="Wartawan Mitra", email=journalist, opd_ids=[opd_id])
    credentials = {"opd_id": opd_id, "api_key": api_key, "editor": "redaktur",
                   "password": password, "journalist_email": journalist}
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_stack(settings: Settings, home: Path) -> int:
    # Explicit for SIGINT too: a shell without job control starts background commands with
    # SIGINT ignored, and Python keeps an ignored SIGINT ignored.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    # While Kafka starts, the readiness probe's connection refusals are expected, not news.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    processes: list[infra.Process] = []
    sink = MailSink(home / "mail", settings.smtp_port)
    try:
        kafka_port = int(settings.kafka_bootstrap.rsplit(":", 1)[1])
        mongo_port = urlparse(settings.mongo_url).port or 27017
        print("Preparing Kafka and FerretDB (first run: a few minutes) ...", flush=True)
        libs, binary = infra.install_kafka(home), infra.build_ferretdb(home)
        kafka = infra.start_kafka(libs, home / "data" / "kafka", kafka_port, kafka_port + 1)
        ferret = infra.start_ferretdb(binary, home / "data" / "ferretdb", mongo_port)
        processes += [ferret, kafka]
        kafka_s = infra.wait_kafka_ready(settings.kafka_bootstrap, kafka)
        mongo_s = infra.wait_mongo_ready(mongo_port, ferret)
        print(f"Kafka {infra.KAFKA_VERSION} ready in {kafka_s:.1f}s; "
              f"FerretDB {infra.FERRETDB_VERSION} ready in {mongo_s:.1f}s", flush=True)
        asyncio.run(ensure_topics(settings.kafka_bootstrap))
        sink.start()
        credentials = asyncio.run(seed_demo(settings, home))
        env = {**os.environ, "WARTA_ATTACHMENTS_DIR": str(home / "attachments")}
        services = start_services(settings, home, env)
        processes += services
        print(f"Services ready in {wait_services_ready(settings, services):.1f}s\n")
        _print_summary(settings, home, credentials)
        while all(p.alive() for p in processes):
            time.sleep(0.5)
        dead = [p.name for p in processes if not p.alive()]
        print(f"\n{', '.join(dead)} stopped unexpectedly; see {home / 'logs'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    finally:
        for process in reversed(processes):  # services, then Kafka, then FerretDB
            infra.stop(process)
        sink.stop()
        print("Stopped.", flush=True)


def _print_summary(settings: Settings, home: Path, credentials: dict[str, str]) -> None:
    for name in SERVICES:
        url = service_url(settings, name)
        print(f"  {name:<10} {url}/docs   {url}/asyncapi.json")
    print(f"  feeds      {service_url(settings, 'publisher')}/feeds/rss.xml")
    print(f"  kafka      {settings.kafka_bootstrap}   mongodb {settings.mongo_url}")
    print(f"  mail       SMTP 127.0.0.1:{settings.smtp_port} -> {home / 'mail'}")
    print(f"\n  demo OPD key:   {credentials['api_key']}")
    print(f"  editor login:   {credentials['editor']} / {credentials['password']}")
    print(f"  logs:           {home / 'logs'}")
    print("\nIn another terminal: `uv run warta demo`. Ctrl-C stops everything.", flush=True)


def _up(args: argparse.Namespace, settings: Settings) -> int:
    return run_stack(settings, Path(args.home))


def add_commands(groups: Groups) -> None:
    commands = command_group(groups, "stack", "the local stack (no Docker)")
    up = commands.add_parser("up", help="install what is missing, start everything, wait")
    up.add_argument("--home", default=str(infra.HOME), help="data, logs and tools directory")
    up.set_defaults(func=_up, sync=True)
