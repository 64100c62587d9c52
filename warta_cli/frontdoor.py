"""The front door: Debian's nginx in the foreground, one origin before every service instance.

The routes are infra/nginx/routes.conf (shared with docker-compose); this module renders the
top-level config with the instances as upstreams, and starts, checks and stops the process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from warta_cli import infra

TEMPLATE = infra.INFRA / "nginx" / "frontdoor.conf.template"
ROUTES = infra.INFRA / "nginx" / "routes.conf"
# Debian installs it in /usr/sbin, which a non-root PATH may lack.
SEARCH_PATH = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"
# nginx marks an instance down after one failure, for this long, then tries it again.
FAIL_TIMEOUT = "2s"


def nginx_binary() -> Path:
    found = shutil.which("nginx", path=SEARCH_PATH)
    if found is None:
        raise RuntimeError("nginx is not installed; run `bash scripts/bootstrap.sh` "
                           "(it installs Debian's nginx-light)")
    return Path(found)


def upstream_block(service: str, ports: Sequence[int]) -> str:
    servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT};\n"
                      for port in ports)
    # Idle upstream connections close before uvicorn's 5 s keep-alive does, so nginx never
    # sends a request on a connection the instance is closing.
    return (f"    upstream {service} {{\n{servers}"
            "        keepalive 16;\n        keepalive_timeout 4s;\n    }\n")


def render(directory: Path, port: int, upstreams: Mapping[str, Sequence[int]]) -> Path:
    """Write the config under `directory` (also its pid file and temp dirs); returns its path."""
    # The routes name a console upstream; without a console its paths answer 503.
    upstreams = {"console": [infra.free_port()], **upstreams}
    run_dir, log_dir = directory / "run", directory / "logs"
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    # As root, nginx's workers switch to nobody; they write nothing (bodies stay in memory).
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    text = (TEMPLATE.read_text()
            .replace("@@WORKERS@@", "2")
            .replace("@@USER@@", user)
            .replace("@@RUN_DIR@@", str(run_dir.resolve()))
            .replace("@@LOG_DIR@@", str(log_dir.resolve()))
            .replace("@@PORT@@", str(port))
            .replace("@@ROUTES@@", str(ROUTES))
            .replace("@@UPSTREAMS@@", "\n".join(
                upstream_block(name, ports) for name, ports in upstreams.items())))
    config = directory / "nginx.conf"
    config.write_text(text)
    return config


def check(config: Path) -> None:
    """`nginx -t`: a broken config fails here with nginx's own message, not at the first request."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [str(nginx_binary()), "-t", "-q", "-e", "stderr", "-p", str(config.parent),
         "-c", str(config)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"nginx refused {config}:\n{result.stderr}")


def start(directory: Path, port: int, upstreams: Mapping[str, Sequence[int]],
          log_path: Path) -> infra.Process:
    config = render(directory, port, upstreams)
    check(config)
    return infra.spawn("frontdoor", [
        str(nginx_binary()), "-e", "stderr", "-p", str(directory), "-c", str(config),
    ], log_path)


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def wait_ready(port: int, process: infra.Process, timeout: float = 15.0) -> float:
    """Ready means nginx answers its own health path. Returns seconds waited."""
    started = time.monotonic()
    while True:
        if not process.alive():
            raise RuntimeError(f"the front door exited; see {process.log_path}")
        try:
            if httpx.get(f"{url(port)}/_/frontdoor/healthz", timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"the front door is not answering; see {process.log_path}")
        time.sleep(0.1)
