"""`warta stack up` run as a newcomer runs it, in its own session (a terminal's foreground job),
with free ports and its own home; and what tests read back from it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from warta_cli import infra

READY_LINE = "Ctrl-C stops everything"
SERVICES = ("ingest", "editorial", "publisher", "notifier", "console")


def stack_env(home: Path) -> dict[str, str]:
    kafka = infra.free_port_pair()  # the stack puts the controller on kafka + 1
    env = {
        **os.environ,
        "WARTA_KAFKA_BOOTSTRAP": f"127.0.0.1:{kafka}",
        "WARTA_MONGO_URL": f"mongodb://127.0.0.1:{infra.free_port()}",
        "WARTA_SMTP_PORT": str(infra.free_port()),
        "WARTA_DB_PREFIX": f"s{uuid.uuid4().hex[:8]}",
        "WARTA_FRONT_DOOR_PORT": str(infra.free_port()),
        # Mailpit's API and the local WordPress: two stacks in one session must not collide.
        "WARTA_MAILPIT_PORT": str(infra.free_port()),
        "WARTA_WORDPRESS_LOCAL_PORT": str(infra.free_port()),
    }
    for name in SERVICES:
        env[f"WARTA_{name.upper()}_PORT"] = str(infra.free_port())
    for name in ("WARTA_PUBLIC_BASE_URL", "WARTA_WEBSITE_BASE_URL"):
        env.pop(name, None)  # the stack makes the front door the public origin
    return env


def front_door(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['WARTA_FRONT_DOOR_PORT']}"


def start_stack(home: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    """Starts it and waits for its ready line; its output goes to <home>/stack.out."""
    home.mkdir(parents=True, exist_ok=True)
    out = home / "stack.out"
    with out.open("ab") as sink:
        stack = subprocess.Popen(
            [sys.executable, "-m", "warta_cli.main", "stack", "up", "--home", str(home), *extra],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=infra.ROOT,
            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if READY_LINE in output(home):
            return stack
        if stack.poll() is not None:
            break
        time.sleep(0.3)
    interrupt(stack, home)
    raise AssertionError("the stack did not come up:\n" + output(home))


def output(home: Path) -> str:
    path = home / "stack.out"
    return path.read_text(errors="replace") if path.exists() else ""


def interrupt(stack: subprocess.Popen[bytes], home: Path) -> int:
    """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
    if stack.poll() is None:
        os.killpg(os.getpgid(stack.pid), signal.SIGINT)
    code = stack.wait(120)
    deadline = time.monotonic() + 10
    while processes_using(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return code


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


def supervisor_events(home: Path) -> list[dict[str, Any]]:
    path = home / "logs" / "supervisor.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
    return lines
