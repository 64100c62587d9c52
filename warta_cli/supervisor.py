"""Keeps the local stack's processes running: restarts a crashed one with backoff, stops in order.

Each child runs in its own session (see `infra.spawn`), so a terminal's Ctrl-C reaches only the
supervisor, which then stops the children rank by rank: the services before the front door,
the front door before Kafka, Kafka before the database. Every start, exit, restart and stop is
one JSON line in the supervisor's log and one human line on the terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shared.retry import backoff_delays
from warta_cli import infra

Launch = Callable[[], infra.Process]
# A child that ran this long without crashing starts over with short restart delays.
STABLE_SECONDS = 30.0
RESTART_WAIT_INITIAL, RESTART_WAIT_MAX = 1.0, 30.0


@dataclass
class Child:
    name: str
    launch: Launch
    stop_rank: int  # lower ranks stop first
    ready_url: str | None = None
    process: infra.Process | None = None
    started: float = 0.0
    restarts: int = 0
    restart_at: float | None = None
    awaiting_ready: bool = False
    delays: Iterator[float] = field(default_factory=lambda: backoff_delays(
        RESTART_WAIT_INITIAL, RESTART_WAIT_MAX))


class Supervisor:
    def __init__(self, log_path: Path, echo: Callable[[str], None] | None = None) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._echo = echo or (lambda message: print(message, flush=True))
        self.children: list[Child] = []

    def start(self, name: str, launch: Launch, *, stop_rank: int,
              ready_url: str | None = None) -> Child:
        child = Child(name, launch, stop_rank, ready_url)
        self.children.append(child)
        self._launch(child)
        return child

    def process(self, name: str) -> infra.Process:
        for child in self.children:
            if child.name == name and child.process is not None:
                return child.process
        raise KeyError(name)

    def poll(self) -> None:
        """One round: notice exits, schedule and perform restarts, report recoveries."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child.restarts += 1
                    self._launch(child)
                    child.awaiting_ready = child.ready_url is not None
                continue
            if process is None:
                continue
            code = process.popen.poll()
            if code is None:
                if now - child.started > STABLE_SECONDS:
                    child.delays = backoff_delays(RESTART_WAIT_INITIAL, RESTART_WAIT_MAX)
                if child.awaiting_ready and _answers(child.ready_url):
                    child.awaiting_ready = False
                    self._event(child, "ready", f"{child.name} is ready again "
                                f"({now - child.started:.1f} s after its restart)",
                                seconds=round(now - child.started, 3))
                continue
            _signal_group(process, signal.SIGKILL)  # its own children (nginx's workers)
            delay = next(child.delays)
            child.restart_at = now + delay
            self._event(child, "exited", f"{child.name} exited ({_describe(code)}) after "
                        f"{now - child.started:.1f} s; restarting in {delay:.1f} s "
                        f"(see {process.log_path})", returncode=code,
                        restart_in=round(delay, 3))

    def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM rank by rank; each rank is waited for (then killed) before the next."""
        for rank in sorted({child.stop_rank for child in self.children}):
            group = [c for c in self.children if c.stop_rank == rank]
            for child in group:
                child.restart_at = None
                if child.process is not None and child.process.alive():
                    self._event(child, "stopping", f"stopping {child.name}")
                    _signal_group(child.process, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for child in group:
                if child.process is None:
                    continue
                try:
                    code = child.process.popen.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.process.popen.kill()
                    code = child.process.popen.wait(5)
                _signal_group(child.process, signal.SIGKILL)
                self._event(child, "stopped", None, returncode=code)

    def _launch(self, child: Child) -> None:
        child.process = child.launch()
        child.started = time.monotonic()
        verb = "restarted" if child.restarts else "started"
        self._event(child, verb, f"{child.name} restarted (restart {child.restarts})"
                    if child.restarts else None, pid=child.process.popen.pid,
                    restarts=child.restarts)

    def _event(self, child: Child, event: str, message: str | None, **fields: object) -> None:
        line = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "service": "supervisor", "child": child.name, "event": event, **fields}
        with self.log_path.open("a") as log:
            log.write(json.dumps(line) + "\n")
        if message:
            self._echo(f"[supervisor] {message}")


def _signal_group(process: infra.Process, sig: signal.Signals) -> None:
    """Each child leads its own session and process group (`infra.spawn`): signal all of it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.popen.pid, sig)


def _describe(code: int) -> str:
    if code >= 0:
        return f"exit code {code}"
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


def _answers(url: str | None) -> bool:
    if url is None:
        return True
    try:
        return httpx.get(url, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False
