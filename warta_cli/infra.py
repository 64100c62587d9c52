"""Installs, starts, checks and stops the real infrastructure: Kafka (KRaft) and FerretDB.

Used by `warta stack` (persistent data under .warta/) and by the test session (fresh temporary
directories, free ports). Nothing here is a stand-in: these are the real broker and server.
"""

from __future__ import annotations

import asyncio
import base64
import ctypes
import json
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
FERRETDB_VERSION = "v1.24.2"
ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / ".warta"
INFRA = ROOT / "infra"


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

def kafka_libs(home: Path = HOME) -> Path:
    return home / f"kafka-{KAFKA_VERSION}" / "libs"


# FerretDB v1.24.2's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but filters on
# `_ferretdb_sjson->'$._id'`: SQLite cannot match the two expressions, so every update, delete
# and `_id` read scans the whole table (measured: 23 ms per update at 5,000 documents, growing
# linearly). Both expressions return the same JSON text, so we build with the filter written
# like the index. See docs/infrastructure.md for the measurements before and after.
FERRETDB_PATCH_FILE = "internal/backends/sqlite/metadata/metadata.go"
FERRETDB_PATCH = ("IDColumn = DefaultColumn + \"->'$._id'\"",
                  "IDColumn = DefaultColumn + `->\"_id\"`")
FERRETDB_BUILD = "p1"  # bump when the patch changes, so old binaries are rebuilt


def ferretdb_binary(home: Path = HOME) -> Path:
    return home / "bin" / f"ferretdb-{FERRETDB_VERSION}-{FERRETDB_BUILD}"


def install_kafka(home: Path = HOME) -> Path:
    """Collect Kafka's jars (and the log4j2 backend its POM leaves out) from Maven Central."""
    libs = kafka_libs(home)
    marker = libs / ".complete"
    if marker.exists():
        return libs
    shutil.rmtree(libs, ignore_errors=True)
    _run(["mvn", "-B", "-q", "-f", str(INFRA / "kafka" / "pom.xml"),
          "dependency:copy-dependencies", "-DincludeScope=runtime",
          f"-DoutputDirectory={libs}"])
    marker.write_text(KAFKA_VERSION)
    return libs


def build_ferretdb(home: Path = HOME) -> Path:
    """Build FerretDB from the Go module proxy via a tiny embedding module (see infra/ferretdb),
    with the one-line `_id` index fix above applied to a copy of the downloaded module."""
    binary = ferretdb_binary(home)
    if binary.exists():
        return binary
    env = {**os.environ, "CGO_ENABLED": "0"}
    build = home / "build"
    main_dir, source = build / "ferretdb-main", build / f"ferretdb-{FERRETDB_VERSION}-patched"
    for stale in (main_dir, source):
        if stale.exists():
            shutil.rmtree(stale)
    shutil.copytree(INFRA / "ferretdb", main_dir)
    module = f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"
    downloaded = json.loads(_run(["go", "mod", "download", "-json", module], cwd=main_dir,
                                 env=env))["Dir"]
    shutil.copytree(downloaded, source)
    for path in source.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)  # the module cache is read-only
    target = source / FERRETDB_PATCH_FILE
    original, fixed = FERRETDB_PATCH
    text = target.read_text()
    if original not in text:
        raise RuntimeError(f"FerretDB patch does not apply to {target}; review FERRETDB_PATCH")
    target.write_text(text.replace(original, fixed))
    _run(["go", "mod", "edit", f"-replace=github.com/FerretDB/FerretDB={source}"], cwd=main_dir,
         env=env)
    binary.parent.mkdir(parents=True, exist_ok=True)
    _run(["go", "build", "-trimpath", "-buildvcs=false", "-o", str(binary), "."],
         cwd=main_dir, env=env)
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


# ---- FerretDB ----------------------------------------------------------------------------

def start_ferretdb(binary: Path, state_dir: Path, port: int) -> Process:
    data_dir = state_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    return spawn("ferretdb", [
        str(binary), f"--listen-addr=127.0.0.1:{port}", f"--data-dir={data_dir.resolve()}",
    ], state_dir / "ferretdb.log")


def wait_mongo_ready(port: int, process: Process, timeout: float = 30.0) -> float:
    """Ready means a `ping` command answers over the wire protocol."""
    started = time.monotonic()
    while True:
        if not process.alive():
            raise RuntimeError(f"FerretDB exited; see {process.log_path}")
        try:
            asyncio.run(ping_url(f"mongodb://127.0.0.1:{port}"))
            return time.monotonic() - started
        except Exception:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"FerretDB not ready after {timeout}s") from None
            time.sleep(0.2)
