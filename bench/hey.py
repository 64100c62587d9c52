"""Closed-loop HTTP load from `hey`, a Go load generator: the client costs little CPU."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from bench.opd import report_body
from warta_cli import infra

HEY = "github.com/rakyll/hey@v0.1.4"


def install_hey() -> Path:
    binary = infra.HOME / "bin" / "hey"
    if not binary.exists():
        subprocess.run(["go", "install", HEY], check=True,
                       env={**os.environ, "GOBIN": str(binary.parent)})
    return binary


def hey_runs(hey: Path, base_url: str, key: str, workdir: Path, *, seconds: float,
             concurrencies: tuple[int, ...]) -> list[dict[str, Any]]:
    """Closed loop over HTTP with a client that costs little CPU (2 cores are shared here)."""
    body = workdir / "report.json"
    body.write_text(json.dumps(report_body(0)))
    runs = []
    for concurrency in concurrencies:
        output = subprocess.run(
            [str(hey), "-z", f"{seconds}s", "-c", str(concurrency), "-m", "POST",
             "-T", "application/json", "-H", f"Authorization: Bearer {key}", "-D", str(body),
             f"{base_url}/v1/reports"], capture_output=True, text=True, check=True).stdout
        result = parse_hey(output, seconds)
        runs.append({"concurrency": concurrency, **result})
        print(f"hey    c={concurrency:<3} {result}", flush=True)
    return runs


def parse_hey(output: str, seconds: float) -> dict[str, float]:
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    def latency(p: int) -> float:
        found = re.search(rf"\s{p}% in ([\d.]+) secs", output)
        return round(float(found[1]) * 1000, 1) if found else 0.0
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses",
                                                             output)}
    return {"accepted": statuses.get(201, 0),
            "errors": sum(n for code, n in statuses.items() if code != 201),
            "seconds": seconds, "per_second": round(per_second, 1),
            "p50_ms": latency(50), "p99_ms": latency(99)}
