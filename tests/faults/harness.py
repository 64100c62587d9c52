"""The four real services as OS processes (`python -m services.<name>`), which a fault test kills
and restarts itself (it plays the supervisor), on the session's real broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import Settings
from tests.conftest import Infra, settings_env
from tests.faults.smtp import Receiver
from warta_cli import infra
from warta_cli.instances import SERVICES, Instance, launch_instance, wait_ready

# The load is heavier than an OPD's quota on purpose; the limiter is not what is under test.
EXTRA_ENV = {"WARTA_INGEST_RATE_PER_SECOND": "10000", "WARTA_INGEST_RATE_BURST": "10000"}


def fault_settings(real_infra: Infra, home: Path, smtp_port: int) -> Settings:
    """Like the `settings` fixture (own databases, attachments), with a port per service."""
    ports = {f"{name}_port": infra.free_port() for name in SERVICES}
    settings = Settings(
        env="test",
        jwt_secret="fault-jwt-secret-" + "j" * 32, unsubscribe_secret="fault-unsub-" + "u" * 32,
        publisher_credentials_key="ZmF1bHQtb25seS1jcmVkZW50aWFscy1rZXktMDEyMzQ=",  # Fernet
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        kafka_bootstrap=real_infra.kafka_bootstrap, mongo_url=real_infra.mongo_url,
        db_prefix=f"f{uuid.uuid4().hex[:10]}", attachments_dir=str(home / "attachments"),
        outbox_sweep_seconds=0.5, smtp_port=smtp_port,
    )
    return settings.model_copy(update={
        **ports, "public_base_url": f"http://127.0.0.1:{ports['ingest_port']}",
        "website_base_url": f"http://127.0.0.1:{ports['publisher_port']}"})


@dataclass
class Stack:
    settings: Settings
    home: Path
    receiver: Receiver
    real_infra: Infra
    processes: dict[str, infra.Process] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.settings.port_of(service)}"

    def _instance(self, service: str) -> Instance:
        return Instance(service, 1, self.settings.port_of(service))

    def start(self, service: str) -> None:
        env = {**os.environ, **settings_env(self.settings), **EXTRA_ENV}
        self.processes[service] = launch_instance(self._instance(service), self.home, env)

    def wait_ready(self, *services: str, timeout: float = 120.0) -> float:
        names = services or SERVICES
        return wait_ready({f"{s}-1": f"{self.url(s)}/readyz" for s in names},
                          {f"{s}-1": self.processes[s] for s in names}, timeout)

    def kill9(self, service: str) -> None:
        """No shutdown hook, no outbox flush, no commit: what a crash (or the OOM killer) does."""
        process = self.processes[service]
        os.kill(process.popen.pid, signal.SIGKILL)
        process.popen.wait(10)

    def restart(self, service: str) -> None:
        self.restarts[service] = self.restarts.get(service, 0) + 1
        self.start(service)

    def exited(self) -> list[str]:
        """Services whose process is gone although nobody killed it: a manual restart needed."""
        return [s for s, p in self.processes.items() if not p.alive()]

    def log_lines(self, service: str) -> list[dict[str, object]]:
        path = self.processes[service].log_path
        lines = []
        for raw in path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append(json.loads(raw))
        return lines

    def errors_logged(self, service: str) -> list[str]:
        """The error lines a service logged (shortened), to quote in a failure."""
        return [json.dumps(line)[:400] for line in self.log_lines(service)
                if line.get("level") in ("error", "critical")]

    def stop(self) -> None:
        for process in self.processes.values():
            infra.stop(process)


@contextlib.contextmanager
def running_stack(real_infra: Infra, home: Path) -> Iterator[Stack]:
    """The four services on free ports, with a controllable SMTP receiver on loopback."""
    receiver = Receiver(home / "mail", infra.free_port())
    receiver.start()
    stack = Stack(fault_settings(real_infra, home, receiver.port), home, receiver, real_infra)
    try:
        for service in SERVICES:
            stack.start(service)
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        receiver.stop()


async def pause(pid: int, seconds: float) -> None:
    """SIGSTOP `pid` for `seconds`; SIGCONT whatever happens (a cancelled test included)."""
    os.kill(pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(seconds)
    finally:
        os.kill(pid, signal.SIGCONT)
