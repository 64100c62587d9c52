"""The real services and the console as `warta stack up` runs them, behind the real front door,
and the accounts and report a console test starts from."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.auth import Principal, issue_token
from shared.settings import Settings
from tests.accounts import create_editor
from tests.conftest import Infra, settings_env
from tests.integration.ingest.support import make_opd, report
from warta_cli import frontdoor, infra
from warta_cli.instances import FRONTED, launch_instance, plan_instances, wait_ready
from warta_cli.supervisor import Supervisor

PASSWORD = "kata-sandi-meja-redaksi"
EDITOR, CHIEF, ADMIN = "redaktur1", "pelaksana1", "admin1"
EDITOR2, CHIEF2 = "redaktur2", "pelaksana2"
LOGIN_LIMIT = 4
OPD_CODE, OPD_PASSWORD = "DISKES", "kata-sandi-humas-diskes"


@dataclass
class ConsoleStack:
    settings: Settings
    opd_key: str

    @property
    def base(self) -> str:
        return frontdoor.url(self.settings.front_door_port)

    def token(self, who: str, role: str) -> str:
        return issue_token(self.settings, Principal(subject=who, role=role))[0]

    def opd_user(self, username: str, password: str | None = OPD_PASSWORD) -> str:
        """A pranata humas of the seeded OPD, made through ingest's admin API (once; a
        second call finds it taken); returns its email. No password: a link is mailed."""
        email = f"{username}@diskes.example.go.id"
        body = {"username": username, "name": username.title(), "email": email,
                **({"password": password} if password else {})}
        auth = {"Authorization": f"Bearer {self.token(ADMIN, 'admin')}"}
        deadline = time.monotonic() + 60
        while True:  # ingest learns of the admin's account through Kafka
            answer = httpx.post(f"{self.base}/v1/admin/opds/{OPD_CODE}/users", json=body,
                                timeout=15, headers=auth)
            if answer.status_code != 401 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert answer.status_code in (201, 409), answer.text
        return email

    def submit_report(self, title: str) -> str:
        """A report through ingest's API with the OPD's key; returns its article id once
        editorial has it (the report crosses Kafka)."""
        answer = httpx.post(f"{self.base}/v1/reports", json=report(title=title), timeout=15,
                            headers={"Authorization": f"Bearer {self.opd_key}",
                                     "Idempotency-Key": str(uuid.uuid4())})
        assert answer.status_code in (200, 201, 202), answer.text
        report_id = answer.json()["id"]
        auth = {"Authorization": f"Bearer {self.token(EDITOR, 'editor')}"}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = httpx.get(f"{self.base}/v1/articles", params={"q": title}, headers=auth,
                              timeout=10)
            items = [a for a in found.json().get("items", []) if a["report_id"] == report_id]
            if items:
                return str(items[0]["id"])
            time.sleep(0.3)
        raise AssertionError(f"report {report_id} never reached editorial")


def console_settings(real_infra: Infra, home: Path) -> Settings:
    front = infra.free_port()
    origin = frontdoor.url(front)
    ports = {f"{name}_port": infra.free_port() for name in FRONTED}
    return Settings(
        env="test", jwt_secret="console-jwt-secret-" + "j" * 32,
        unsubscribe_secret="console-unsub-" + "u" * 32,
        console_session_secret="console-session-secret-" + "s" * 32,
        publisher_credentials_key="dGVzdC1vbmx5LWNyZWRlbnRpYWxzLWtleS0wMTIzNDU=",
        editorial_totp_key="dGVzdC1vbmx5LXRvdHAtc2VjcmV0cy1rZXktMDEyMzQ=",  # Fernet
        kafka_bootstrap=real_infra.kafka_bootstrap, mongo_url=real_infra.mongo_url,
        smtp_port=real_infra.smtp_port, db_prefix=f"c{uuid.uuid4().hex[:10]}",
        attachments_dir=str(home / "attachments"), outbox_sweep_seconds=0.5,
        front_door_port=front, public_base_url=origin, website_base_url=origin,
        console_api_url=origin, console_login_limit=LOGIN_LIMIT).model_copy(update=ports)


@contextlib.contextmanager
def console_stack(real_infra: Infra, home: Path) -> Iterator[ConsoleStack]:
    settings = console_settings(real_infra, home)
    env = {**os.environ, **settings_env(settings)}
    instances = plan_instances(settings, 1, FRONTED)
    supervisor = Supervisor(home / "logs" / "supervisor.log")
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(supervisor, stop), daemon=True)
    try:
        opd = asyncio.run(_seed(settings))
        for instance in instances:
            supervisor.start(instance.name, functools.partial(launch_instance, instance, home, env),
                             stop_rank=0, ready_url=f"{instance.url}/readyz")
        wait_ready({i.name: f"{i.url}/readyz" for i in instances},
                   {i.name: supervisor.process(i.name) for i in instances}, timeout=120)
        upstreams = {s: [i.port for i in instances if i.service == s] for s in FRONTED}
        port = settings.front_door_port
        supervisor.start("frontdoor", lambda: frontdoor.start(
            home / "frontdoor", port, upstreams, home / "logs" / "frontdoor.log"), stop_rank=1)
        frontdoor.wait_ready(port, supervisor.process("frontdoor"))
        poller.start()
        yield ConsoleStack(settings, opd)
    finally:
        stop.set()
        if poller.is_alive():
            poller.join(5)
        supervisor.stop_all()


async def _seed(settings: Settings) -> str:
    for username, role in ((EDITOR, "editor"), (CHIEF, "chief_editor"), (ADMIN, "admin"),
                           (EDITOR2, "editor"), (CHIEF2, "chief_editor")):
        await create_editor(settings, username=username, name=username.title(), role=role,
                            password=PASSWORD)
    return (await make_opd(settings, OPD_CODE)).key


def _poll(supervisor: Supervisor, stop: threading.Event) -> None:
    while not stop.wait(0.25):
        supervisor.poll()
