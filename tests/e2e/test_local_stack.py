"""`warta stack up` as a newcomer runs it: every /readyz answers through the front door, the
demo passes through it, Ctrl-C leaves nothing, data survives a restart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.local_stack import (
    SERVICES,
    front_door,
    interrupt,
    output,
    processes_using,
    stack_env,
    start_stack,
)
from warta_cli import infra

pytestmark = pytest.mark.e2e


def run_demo(home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta_cli.main", "demo", "--home", str(home)],
        env=env, capture_output=True, text=True, timeout=120, cwd=infra.ROOT, check=False)


def test_the_stack_runs_the_demo_stops_cleanly_and_reuses_its_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = stack_env(home)
    stack = start_stack(home, env)
    try:
        base = front_door(env)
        printed = output(home)
        first_url = next(line for line in printed.splitlines() if "http://" in line)
        assert base in first_url, "the front door's URL is not the first one printed"
        for service in SERVICES:
            if service != "console":  # the console is pages, not an API: no docs to print
                assert f"{base}/_/{service}/docs" in printed
            assert httpx.get(f"{base}/_/{service}/readyz", timeout=5).status_code == 200
        assert f"{base}/console/" in printed
        assert httpx.get(f"{base}/console/", timeout=5, follow_redirects=True).status_code == 200
        demo = run_demo(home, env)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "Demo passed." in demo.stdout
        assert "demo OPD key:" in printed
        # The printed pranata humas login opens the OPD's side (ingest's token for the console).
        officer, officer_password = json.loads(
            (home / "demo.json").read_text())["opd_login"].split(" / ")
        assert f"opd login:      {officer} / {officer_password}" in printed
        signed_in = httpx.post(f"{base}/v1/opd-auth/token", timeout=10, json={
            "username": officer, "password": officer_password})
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["opd_code"] == "DEMO"
    finally:
        interrupt(stack, home)
    assert "Stopped." in output(home)
    assert processes_using(home) == [], "processes outlived Ctrl-C"

    first_key = json.loads((home / "demo.json").read_text())["api_key"]
    (home / "stack.out").unlink()
    stack = start_stack(home, env)
    try:
        assert first_key in output(home), "the second start did not reuse the demo data"
        demo = run_demo(home, env)
        assert demo.returncode == 0, demo.stdout + demo.stderr
    finally:
        interrupt(stack, home)
    assert processes_using(home) == []
