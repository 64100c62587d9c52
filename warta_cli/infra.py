"""Installs, starts, checks and stops the real infrastructure: Kafka (KRaft), secantus-mdb, Mailpit.

Used by `warta stack` (persistent data under .warta/) and by the test session (fresh temporary
directories, free ports). Nothing here is a stand-in: these are the real broker and server.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from shared.mongo import ping_url

KAFKA_VERSION = "4.1.1"
SECANTUS_VERSION = "0.5.3-beta.196"
MAILPIT_VERSION = "1.33.1"
ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".warta"
INFRA = ROOT / "infra"


def tools_dir() -> Path:
    """Where built tools and downloaded jars are cached, outside any clone so that every clone
    on this machine (and CI's) reuses them: `WARTA_TOOLS_DIR`, else ~/.cache/warta/tools."""
    configured = os.environ.get("WARTA_TOOLS_DIR")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "warta" / "tools"


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def alive(self) -> bool:
        return self.popen.poll() is None


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nobody listens on now, never one this process handed out before: the kernel may
    give a just-closed port again, and two of a stack's listeners must not get the same one."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def free_port_pair() -> int:
    """A free port whose successor is free too (`warta stack up` puts Kafka's controller on
    the broker port + 1)."""
    while True:
        port = free_port()
        if port + 1 in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        _handed_out.add(port + 1)
        return port


def _die_with_parent() -> None:
    """Children get SIGTERM if the stack runner dies, even by kill -9: no stray processes."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> Process:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    popen = subprocess.Popen(  # noqa: S603 - argv built here, never from user input
        argv, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=cwd,
        start_new_session=True, preexec_fn=_die_with_parent,  # noqa: PLW1509
    )
    log_file.close()
    return Process(name, popen, log_path)


def stop(process: Process, timeout: float = 20.0) -> None:
    if not process.alive():
        return
    process.popen.send_signal(signal.SIGTERM)
    try:
        process.popen.wait(timeout)
    except subprocess.TimeoutExpired:
        process.popen.kill()
        process.popen.wait(5)


# ---- installation ------------------------------------------------------------------------

def kafka_libs(tools: Path | None = None) -> Path:
    return (tools or tools_dir()) / f"kafka-{KAFKA_VERSION}" / "libs"


def install_kafka(tools: Path | None = None) -> Path:
    """Collect Kafka's jars (and the log4j2 backend its POM leaves out) from Maven Central."""
    libs = kafka_libs(tools)
    marker = libs / ".complete"
    if marker.exists():
        return libs
    shutil.rmtree(libs, ignore_errors=True)
    _run(["mvn", "-B", "-q", "-f", str(INFRA / "kafka" / "pom.xml"),
          "dependency:copy-dependencies", "-DincludeScope=runtime",
          f"-DoutputDirectory={libs}"])
    marker.write_text(KAFKA_VERSION)
    return libs


def secantus_binary(tools: Path | None = None) -> Path:
    return (tools or tools_dir()) / f"secantus-{SECANTUS_VERSION}" / "bin" / "secantusd-rs"


def build_secantus(tools: Path | None = None) -> Path:
    """Build secantus-mdb from the Rust crate registry once into the tools cache, with its
    locked dependencies.

    Every published version declares rust-version 1.98 while this machine kind has 1.95; it
    compiles cleanly with `--ignore-rust-version` (measured, docs/infrastructure.md). The cold
    build takes minutes (WiredTiger is compiled from bundled C), so cargo's progress is shown.
    """
    binary = secantus_binary(tools)
    if binary.exists():
        return binary
    root = binary.parent.parent
    jobs = str(max(1, min(os.cpu_count() or 1, 4)))
    print(f"Building secantus-mdb {SECANTUS_VERSION} into {root} (cold: about 6-9 min) ...",
          flush=True)
    argv = ["cargo", "install", "secantus-mdb", "--version", SECANTUS_VERSION, "--locked",
            "--ignore-rust-version", "-j", jobs, "--root", str(root)]
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    tail: list[str] = []
    compiled = 0
    for line in process.stdout:
        tail = [*tail[-40:], line]
        if line.lstrip().startswith("Compiling"):
            compiled += 1
            if compiled % 25 == 0:
                print(f"  ... {compiled} crates compiled ({line.strip()})", flush=True)
    if process.wait() != 0 or not binary.exists():
        raise RuntimeError(f"{' '.join(argv)} failed:\n{''.join(tail)}")
    print(f"  secantus-mdb built: {binary}", flush=True)
    return binary


def _run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        output = f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        raise RuntimeError(f"{' '.join(argv)} failed:\n{output}")
    return result.stdout


# ---- Kafka -------------------------------------------------------------------------------

def _cluster_id(state_dir: Path) -> str:
    """22-char url-safe base64 UUID, stored beside the data so a restart reuses it."""
    path = state_dir / "cluster-id"
    if path.exists():
        return path.read_text().strip()
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            break
    path.write_text(candidate)
    return candidate


def start_kafka(libs: Path, state_dir: Path, port: int, controller_port: int) -> Process:
    state_dir.mkdir(parents=True, exist_ok=True)
    data_dir = state_dir / "data"
    config = state_dir / "server.properties"
    template = (INFRA / "kafka" / "server.properties.template").read_text()
    config.write_text(template.format(
        port=port, controller_port=controller_port, data_dir=data_dir))
    classpath = f"{libs}/*"
    _run(["java", "-Xmx256m", "-cp", classpath, "kafka.tools.StorageTool", "format",
          "--ignore-formatted", f"--cluster-id={_cluster_id(state_dir)}", "--config", str(config)])
    return spawn("kafka", [
        "java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
        f"-Dlog4j2.configurationFile={INFRA / 'kafka' / 'log4j2.properties'}",
        "-cp", classpath, "kafka.Kafka", str(config),
    ], state_dir / "kafka.log")


def wait_kafka_ready(bootstrap: str, process: Process, timeout: float = 90.0) -> float:
    """Ready means a Metadata request answers, not an open port. Returns seconds waited."""
    started = time.monotonic()

    async def metadata() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    while True:
        if not process.alive():
            raise RuntimeError(f"Kafka exited; see {process.log_path}")
        try:
            asyncio.run(metadata())
            return time.monotonic() - started
        except Exception:
            if time.monotonic() - started > timeout:
                raise TimeoutError(
                    f"Kafka not ready after {timeout}s; see {process.log_path}") from None
            time.sleep(0.5)


# ---- the MongoDB-wire server -------------------------------------------------------------

def start_mongo(binary: Path, state_dir: Path, port: int) -> Process:
    """secantus-mdb on loopback. It advertises a one-node replica set, so clients connect with
    `directConnection=true` (see `mongo_url`)."""
    data_dir = state_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return spawn("mongo", [
        str(binary), "--host", "127.0.0.1", "--port", str(port),
        "--storage-path", str(data_dir.resolve()), "--log-level", "WARNING",
    ], state_dir / "mongo.log")


def mongo_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def wait_mongo_ready(port: int, process: Process, timeout: float = 30.0) -> float:
    """Ready means a `ping` command answers over the wire protocol."""
    started = time.monotonic()
    while True:
        if not process.alive():
            raise RuntimeError(f"the database server exited; see {process.log_path}")
        try:
            asyncio.run(ping_url(mongo_url(port)))
            return time.monotonic() - started
        except Exception:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"the database server not ready after {timeout}s") from None
            time.sleep(0.2)


# ---- Mailpit: the local SMTP server that developers and tests read -----------------------

def mailpit_binary(tools: Path | None = None) -> Path:
    return (tools or tools_dir()) / f"mailpit-{MAILPIT_VERSION}" / "bin" / "mailpit"


def install_mailpit(tools: Path | None = None) -> Path:
    """Build Mailpit from the Go module proxy once into the tools cache (about a minute cold).

    The module carries the SMTP server, the REST API and its docs page, but not the web UI's
    compiled bundle (`server/ui/dist` is built with npm and left out of the module): the UI
    page loads without its scripts; the API is what tests and `warta demo` use."""
    binary = mailpit_binary(tools)
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-buildvcs=false"}
    _run(["go", "install", f"github.com/axllent/mailpit@v{MAILPIT_VERSION}"], env=env)
    return binary


def start_mailpit(binary: Path, state_dir: Path, smtp_port: int, http_port: int,
                  extra: tuple[str, ...] = ()) -> Process:
    """SMTP and the HTTP API on loopback; every message kept (no pruning); chaos enabled so a
    test can make the SMTP server answer 4xx/5xx through `PUT /api/v1/chaos`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    return spawn("mailpit", [
        str(binary), "--smtp", f"127.0.0.1:{smtp_port}", "--listen", f"127.0.0.1:{http_port}",
        "--database", str((state_dir / "mailpit.db").resolve()), "--max", "0",
        "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns",
        "--disable-version-check", "--enable-chaos", "--smtp-max-recipients", "1000", *extra,
    ], state_dir / "mailpit.log")


def mailpit_api(http_port: int) -> str:
    return f"http://127.0.0.1:{http_port}"


def wait_mailpit_ready(smtp_port: int, http_port: int, process: Process,
                       timeout: float = 30.0) -> float:
    """Ready means its API answers /readyz and its SMTP port accepts a connection."""
    import httpx

    started = time.monotonic()
    while True:
        if not process.alive():
            raise RuntimeError(f"Mailpit exited; see {process.log_path}")
        try:
            httpx.get(f"{mailpit_api(http_port)}/readyz", timeout=2.0).raise_for_status()
            with socket.create_connection(("127.0.0.1", smtp_port), timeout=2.0):
                return time.monotonic() - started
        except (OSError, httpx.HTTPError):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"Mailpit not ready after {timeout}s") from None
            time.sleep(0.1)
