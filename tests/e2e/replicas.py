"""N real instances of each service (`python -m services.<name>`) behind the real nginx front
door, supervised as `warta stack up` supervises them; for the replica and crash tests."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.settings import Settings
from tests.conftest import settings_env
from warta_cli import frontdoor, infra
from warta_cli.instances import SERVICES, Instance, launch_instance, plan_instances, wait_ready
from warta_cli.mailsink import MailSink
from warta_cli.supervisor import Supervisor


@dataclass
class Replicas:
    settings: Settings
    supervisor: Supervisor
    instances: list[Instance]
    sink: MailSink
    home: Path

    @property
    def base(self) -> str:
        return frontdoor.url(self.settings.front_door_port)

    def instance(self, name: str) -> Instance:
        return next(i for i in self.instances if i.name == name)

    def pid(self, name: str) -> int:
        return self.supervisor.process(name).popen.pid

    def of(self, service: str) -> list[Instance]:
        return [i for i in self.instances if i.service == service]


def replica_settings(settings: Settings) -> Settings:
    """The test's settings with free ports, and the front door as the public origin."""
    ports = {f"{name}_port": infra.free_port() for name in SERVICES}
    front = infra.free_port()
    origin = frontdoor.url(front)
    return settings.model_copy(update={
        **ports, "smtp_port": infra.free_port(), "front_door_port": front,
        "public_base_url": origin, "website_base_url": origin})


@contextlib.contextmanager
def replicas(settings: Settings, home: Path, count: int, *,
             services: Sequence[str] = SERVICES,
             extra_env: dict[str, str] | None = None) -> Iterator[Replicas]:
    """`count` instances of each of `services` (the others are absent: their paths answer
    503), the front door before them, and the supervisor polling in a background thread."""
    settings = replica_settings(settings)
    env = {**os.environ, **settings_env(settings), **(extra_env or {})}
    instances = [i for i in plan_instances(settings, count) if i.service in services]
    supervisor = Supervisor(home / "logs" / "supervisor.log")
    sink = MailSink(home / "mail", settings.smtp_port)
    sink.start()
    stop = threading.Event()
    poller = threading.Thread(target=_poll, args=(supervisor, stop), daemon=True)
    try:
        for instance in instances:
            supervisor.start(instance.name, functools.partial(launch_instance, instance, home, env),
                             stop_rank=0, ready_url=f"{instance.url}/readyz")
        wait_ready({i.name: f"{i.url}/readyz" for i in instances},
                   {i.name: supervisor.process(i.name) for i in instances}, timeout=120)
        # An absent service gets a port nobody listens on, so nginx's config stays whole.
        upstreams = {s: [i.port for i in instances if i.service == s] or [infra.free_port()]
                     for s in SERVICES}
        port = settings.front_door_port
        supervisor.start("frontdoor", lambda: frontdoor.start(
            home / "frontdoor", port, upstreams, home / "logs" / "frontdoor.log"), stop_rank=1)
        frontdoor.wait_ready(port, supervisor.process("frontdoor"))
        base = frontdoor.url(port)
        wait_ready({s: f"{base}/_/{s}/readyz" for s in services}, {})
        poller.start()
        yield Replicas(settings, supervisor, instances, sink, home)
    finally:
        stop.set()
        if poller.is_alive():
            poller.join(5)
        supervisor.stop_all()
        sink.stop()


def _poll(supervisor: Supervisor, stop: threading.Event) -> None:
    while not stop.wait(0.25):
        supervisor.poll()
