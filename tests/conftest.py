"""Test session wiring: the real Kafka broker, the real MongoDB-wire server and Mailpit (SMTP),
on free ports.

Both are started once per session in fresh temporary directories and stopped at the end, also
when tests fail. Unit tests (tests/unit) do not request these fixtures and do not start them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from shared.logging import configure_logging
from shared.settings import Settings
from warta_cli import infra
from warta_cli.wordpress import WordPress

# Timings are benchmarks' business, not a test's verdict: Hypothesis' per-example deadline and
# its "generation is slow" check failed a property test on a loaded two-core CI machine.
hypothesis_settings.register_profile(
    "warta", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("warta")

# A stalled test prints its asyncio tasks into the log (tests/stall_watch.py).
pytest_plugins = ["tests.stall_watch"]


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    mongo_url: str
    kafka_log: Path
    mongo_log: Path
    # Fault tests pause (SIGSTOP) and resume (SIGCONT) the real processes by pid.
    kafka_pid: int
    mongo_pid: int
    # Mailpit: every test's mail goes to its SMTP port; tests read it through its REST API.
    smtp_port: int = 0
    mailpit_api: str = ""
    mailpit_pid: int = 0


@pytest.fixture(scope="session")
def real_infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # connection-refused noise at start
    base = tmp_path_factory.mktemp("infra")
    libs = infra.install_kafka()
    binary = infra.build_secantus()
    mailpit_binary = infra.install_mailpit()
    kafka_port, controller_port, mongo_port = (infra.free_port() for _ in range(3))
    smtp_port, mailpit_port = infra.free_port(), infra.free_port()
    kafka = infra.start_kafka(libs, base / "kafka", kafka_port, controller_port)
    mongo = infra.start_mongo(binary, base / "mongo", mongo_port)
    mailpit = infra.start_mailpit(mailpit_binary, base / "mailpit", smtp_port, mailpit_port)
    try:
        infra.wait_kafka_ready(f"127.0.0.1:{kafka_port}", kafka)
        infra.wait_mongo_ready(mongo_port, mongo)
        infra.wait_mailpit_ready(smtp_port, mailpit_port, mailpit)
        yield Infra(f"127.0.0.1:{kafka_port}", infra.mongo_url(mongo_port),
                    kafka.log_path, mongo.log_path, kafka.popen.pid, mongo.popen.pid,
                    smtp_port, infra.mailpit_api(mailpit_port), mailpit.popen.pid)
    finally:
        for process in (kafka, mongo, mailpit):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.popen.pid, signal.SIGCONT)  # a fault test may have paused it
            infra.stop(process)


@pytest.fixture
def settings(real_infra: Infra, tmp_path: Path) -> Settings:
    """Settings for one test: its own databases (by prefix) and its own attachment dir."""
    return Settings(
        env="test",
        # Outside local development the published default secrets are refused.
        jwt_secret="test-jwt-secret-" + "j" * 32, unsubscribe_secret="test-unsub-" + "u" * 32,
        publisher_credentials_key="dGVzdC1vbmx5LWNyZWRlbnRpYWxzLWtleS0wMTIzNDU=",  # Fernet
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        kafka_bootstrap=real_infra.kafka_bootstrap,
        mongo_url=real_infra.mongo_url, smtp_port=real_infra.smtp_port,
        db_prefix=f"t{uuid.uuid4().hex[:10]}",
        attachments_dir=str(tmp_path / "attachments"),
        outbox_sweep_seconds=0.5,
    )


@pytest.fixture(scope="session", autouse=True)
def production_logging() -> None:
    """Every test logs as the services do in production: JSON lines at INFO from the root logger
    (`shared.serve` calls the same function). A log call that raises at INFO, such as an `extra`
    key that a LogRecord owns, then fails the tests as it fails the running stack."""
    configure_logging("test", "INFO")


@contextlib.asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://testserver"
                  ) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in process, lifespan included (real broker and database behind it),
    with the production logging configuration (see `production_logging`)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def settings_env(settings: Settings) -> dict[str, str]:
    """The WARTA_* environment that makes a service subprocess use these settings."""
    env: dict[str, str] = {}
    for name, raw in settings.model_dump().items():
        if raw is None:
            continue
        value = raw.get_secret_value() if hasattr(raw, "get_secret_value") else raw
        env[f"WARTA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[dict[str, str]]:
    """Base URLs of the contract servers (sandbox/), each started as its own process on first
    use: `sandboxes["telegram"]` starts it once per session and returns its base URL."""
    with contextlib.ExitStack() as stack:
        yield _LazySandboxes(stack)


class _LazySandboxes(dict[str, str]):
    def __init__(self, stack: contextlib.ExitStack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, name: str) -> str:
        from tests.sandboxes import sandbox_process
        self[name] = self._stack.enter_context(sandbox_process(name))
        return self[name]


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPress]:
    """A fresh real WordPress site for the session, started only when a test asks for it."""
    from tests.wordpress import wordpress_site
    with wordpress_site(tmp_path_factory.mktemp("wordpress")) as site:
        yield site
