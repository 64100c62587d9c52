"""Start a contract server (sandbox/) as its own process on a loopback port, as `warta stack up
--sandbox` does, and stop it after the test session."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from warta_cli.infra import free_port


@contextmanager
def sandbox_process(name: str, patience: float = 30.0) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", name, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + patience
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sandbox {name} exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/_sandbox/state", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"sandbox {name} did not answer on {base}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
