"""`warta stack up --sandbox` then `warta demo`: one report reaches the local WordPress, the
Telegram, Facebook, Instagram and X contract servers and the feed; each URL it prints answers
with the article when fetched back."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.local_stack import interrupt, output, processes_using, stack_env, start_stack
from warta_cli import infra
from warta_cli.channel_journey import ALL_CHANNELS

pytestmark = pytest.mark.e2e


def free_block(size: int = 4) -> int:
    """A first port of `size` consecutive free ones (the sandboxes take base .. base+3)."""
    for _ in range(50):
        base = infra.free_port()
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError("no block of free ports")


def test_the_sandbox_stack_takes_one_report_to_all_six_channels(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home) | {"WARTA_SANDBOX_BASE_PORT": str(free_block())} | {
        # ports with fixed defaults that another stack on this machine may hold
        f"WARTA_{name}_PORT": str(infra.free_port())
        for name in ("MAILPIT", "CONSOLE", "WORDPRESS_LOCAL")}
    stack = start_stack(home, env, "--sandbox")
    try:
        printed = output(home)
        for name in ("telegram", "graph", "x", "whatsapp"):
            assert re.search(rf"{name}\s+http://127\.0\.0\.1:\d+", printed), printed
        demo = subprocess.run(
            [sys.executable, "-m", "warta_cli.main", "demo", "--home", str(home)],
            env=env, capture_output=True, text=True, timeout=240, cwd=infra.ROOT, check=False)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "All six channels answer with the article." in demo.stdout
        headline = re.search(r"Report \S+: (.+)", demo.stdout)
        assert headline is not None, demo.stdout
        urls = dict(re.findall(r"^  (\w+)\s+\d+ ms  (http\S+)$", demo.stdout, re.MULTILINE))
        assert sorted(urls) == sorted(ALL_CHANNELS), demo.stdout
        for channel, url in urls.items():  # fetched again here, not only by the demo
            answer = httpx.get(url, timeout=10, follow_redirects=True)
            assert answer.status_code == 200, (channel, url, answer.status_code)
            assert headline.group(1) in answer.text.replace("&amp;", "&"), (channel, url)
    finally:
        interrupt(stack, home)
    assert processes_using(home) == []
