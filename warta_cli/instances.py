"""The service instances of the local stack: their ports, how each starts, when it is ready."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.settings import Settings
from warta_cli import infra
from warta_cli.commands import CommandError

SERVICES = ("ingest", "editorial", "publisher", "notifier")
# The web console: behind the front door like the services, a client of their APIs.
CONSOLE = "console"
FRONTED = (*SERVICES, CONSOLE)


@dataclass(frozen=True)
class Instance:
    service: str
    number: int  # 1-based
    port: int

    @property
    def name(self) -> str:
        return f"{self.service}-{self.number}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def plan_instances(settings: Settings, replicas: int,
                   services: Sequence[str] = SERVICES) -> list[Instance]:
    """The first instance of each service keeps its configured port; the others get free ones."""
    return [Instance(service, number,
                     settings.port_of(service) if number == 1 else infra.free_port())
            for service in services for number in range(1, replicas + 1)]


def launch_instance(instance: Instance, home: Path, env: dict[str, str]) -> infra.Process:
    return infra.spawn(instance.name, [sys.executable, "-m", f"services.{instance.service}"],
                       home / "logs" / f"{instance.name}.log", cwd=infra.ROOT,
                       env={**env, f"WARTA_{instance.service.upper()}_PORT": str(instance.port)})


def wait_ready(urls: dict[str, str], alive: dict[str, infra.Process], timeout: float = 90.0
               ) -> float:
    """Poll each `name -> .../readyz` until it answers 200; fail if its process exits."""
    started = time.monotonic()
    for name, url in urls.items():
        while True:
            process = alive.get(name)
            if process is not None and not process.alive():
                raise CommandError(f"{name} exited; see {process.log_path}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > timeout:
                where = f"; see {process.log_path}" if process else ""
                raise CommandError(f"{name} not ready at {url}{where}")
            time.sleep(0.3)
    return time.monotonic() - started
