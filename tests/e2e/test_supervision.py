"""The local stack supervises its processes: a killed service instance is restarted (and
answers through the front door again) while the rest keeps running; a terminal's Ctrl-C
reaches only the supervisor, which stops the services, the front door, Kafka, the database,
in that order, without errors in the services' logs, and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.e2e.local_stack import (
    SERVICES,
    front_door,
    interrupt,
    json_lines,
    processes_using,
    stack_env,
    start_stack,
    supervisor_events,
)

pytestmark = pytest.mark.e2e

# The demo data is not under test here; with its file present the stack does not seed it.
DEMO = {"opd_id": "-", "api_key": "-", "editor": "-", "password": "-", "journalist_email": "-"}
# Stopped rank by rank after the services: what serves the public, then what carries
# messages, then what stores data.
STOP_RANKS = (("frontdoor", "wordpress"), ("kafka", "mailpit"), ("mongo", "mariadb"))
INFRA = tuple(name for rank in STOP_RANKS for name in rank)


@dataclass
class Running:
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def pids(self) -> dict[str, int]:
        """The current pid of each child, from the supervisor's own log."""
        latest: dict[str, int] = {}
        for event in supervisor_events(self.home):
            if event["event"] in ("started", "restarted"):
                latest[event["child"]] = event["pid"]
        return latest


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("supervised") / "home"
    home.mkdir()
    (home / "demo.json").write_text(json.dumps(DEMO))
    env = stack_env(home)
    process = start_stack(home, env)
    try:
        yield Running(home, env, process)
    finally:
        interrupt(process, home)


def test_the_children_run_outside_the_terminals_process_group(stack: Running) -> None:
    group = os.getpgid(stack.process.pid)
    children = stack.pids()
    assert set(children) == {f"{s}-1" for s in SERVICES} | set(INFRA)
    for name, pid in children.items():
        assert os.getpgid(pid) != group, f"{name} would get the terminal's Ctrl-C"


def test_a_killed_instance_is_restarted_and_answers_through_the_front_door(
    stack: Running,
) -> None:
    before = stack.pids()
    os.kill(before["notifier-1"], signal.SIGKILL)
    deadline = time.monotonic() + 120
    ready = False
    while time.monotonic() < deadline and not ready:
        events = [e for e in supervisor_events(stack.home) if e["child"] == "notifier-1"]
        ready = any(e["event"] == "ready" for e in events)
        time.sleep(0.3)
    assert [e["event"] for e in events][-3:] == ["exited", "restarted", "ready"]
    assert events[-3]["returncode"] == -signal.SIGKILL
    readyz = httpx.get(f"{front_door(stack.env)}/_/notifier/readyz", timeout=5)
    assert readyz.status_code == 200, readyz.text
    after = stack.pids()
    assert after["notifier-1"] != before["notifier-1"]
    for name, pid in before.items():
        if name != "notifier-1":
            assert after[name] == pid
            os.kill(pid, 0)  # still running
    told = (stack.home / "stack.out").read_text()
    assert "[supervisor] notifier-1 exited (signal SIGKILL)" in told


def test_ctrl_c_stops_services_then_front_door_then_kafka_then_databases(stack: Running) -> None:
    interrupted = datetime.now().astimezone()
    assert interrupt(stack.process, stack.home) == 0
    stopped = [e for e in supervisor_events(stack.home) if e["event"] == "stopped"]
    order = [e["child"] for e in stopped]
    services = [name for name in order if name not in INFRA]
    assert order[:len(services)] == services
    rest = order[len(services):]
    assert [rank for name in rest for rank, names in enumerate(STOP_RANKS) if name in names] \
        == sorted(rank for rank, names in enumerate(STOP_RANKS) for _ in names), rest
    assert sorted(services) == sorted(f"{s}-1" for s in SERVICES)
    # 0, or "ended by the SIGTERM it was sent" (-15 for Python, 128 + 15 for the JVM)
    assert all(e["returncode"] in (0, -signal.SIGTERM, 128 + signal.SIGTERM) for e in stopped)
    assert processes_using(stack.home) == [], "processes outlived Ctrl-C"
    for service in SERVICES:
        lines = json_lines(stack.home / "logs" / f"{service}-1.log")
        late = [line for line in lines if datetime.fromisoformat(str(line["ts"])) >= interrupted]
        assert any(line["msg"] == "service stopped" for line in late), f"{service} did not stop"
        errors = [line for line in late if line["level"] in ("error", "critical")]
        assert errors == [], f"{service} logged errors while stopping: {errors[:3]}"
