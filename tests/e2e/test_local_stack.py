"""`warta stack up` as a newcomer runs it: demo passes, Ctrl-C leaves nothing, data survives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from warta_cli import infra

pytestmark = pytest.mark.e2e
READY_LINE = "Ctrl-C stops everything"


def stack_env(home: Path) -> dict[str, str]:
    kafka = infra.free_port_pair()  # the stack puts the controller on kafka + 1
    env = {
        **os.environ,
        "WARTA_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka}",
        "WARTA_MONGO_URL": f"mongodb://127.0.0.1:{infra.free_port()}",
        "WARTA_SMTP_PORT": str(infra.free_port()),
        "WARTA_DB_PREFIX": f"s{uuid.uuid4().hex[:8]}",
    }
    for name in ("ingest", "editorial", "publisher", "notifier"):
        env[f"WARTA_{name.upper()}_PORT"] = str(infra.free_port())
    env["WARTA_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{env['WARTA_INGEST_PORT']}"
    env["WARTA_WEBSITE_BASE_URL"] = f"http://127.0.0.1:{env['WARTA_PUBLISHER_PORT']}"
    return env


def start_stack(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    stack = subprocess.Popen(
        [sys.executable, "-m", "warta_cli.main", "stack", "up", "--home", str(home)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=infra.ROOT)
    output: list[str] = []
    deadline = time.monotonic() + 240
    assert stack.stdout is not None
    while time.monotonic() < deadline:
        line = stack.stdout.readline()
        if not line and stack.poll() is not None:
            break
        output.append(line)
        if READY_LINE in line:
            return stack, output
    stack.kill()
    raise AssertionError("the stack did not come up:\n" + "".join(output))


def processes_using(home: Path) -> list[int]:
    """PIDs whose command line or environment mentions the stack's home: its children."""
    found = []
    marker = str(home).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes() or marker in (
                    entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def interrupt(stack: subprocess.Popen[str], home: Path) -> str:
    stack.send_signal(signal.SIGINT)
    remaining, _ = stack.communicate(timeout=90)
    deadline = time.monotonic() + 10
    while processes_using(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return remaining


def test_the_stack_runs_the_demo_stops_cleanly_and_reuses_its_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home)
    stack, output = start_stack(home, env)
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "warta_cli.main", "demo", "--home", str(home)],
            env=env, capture_output=True, text=True, timeout=120, cwd=infra.ROOT, check=False)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "Demo passed." in demo.stdout
        assert "demo OPD key:" in "".join(output)
    finally:
        tail = interrupt(stack, home)
    assert "Stopped." in tail
    assert processes_using(home) == [], "processes outlived Ctrl-C"

    first_key = json.loads((home / "demo.json").read_text())["api_key"]
    stack, output = start_stack(home, env)
    try:
        assert first_key in "".join(output), "the second start did not reuse the demo data"
        demo = subprocess.run(
            [sys.executable, "-m", "warta_cli.main", "demo", "--home", str(home)],
            env=env, capture_output=True, text=True, timeout=120, cwd=infra.ROOT, check=False)
        assert demo.returncode == 0, demo.stdout + demo.stderr
    finally:
        interrupt(stack, home)
    assert processes_using(home) == []
