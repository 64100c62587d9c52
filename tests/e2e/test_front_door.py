"""The front door (Debian's nginx) before the real services: every public path on one origin,
a photo upload through it, and which requests it may send to a second instance."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.settings import Settings
from tests.e2e.replicas import replicas
from tests.integration.ingest.support import make_opd, phone_photo
from warta_cli import frontdoor, infra
from warta_cli.instances import SERVICES

pytestmark = pytest.mark.e2e

# (owning service, method, path): each answered through the front door exactly as the owning
# instance answers it directly. Anonymous calls: the refusal or page proves who answered.
PUBLIC = [
    ("ingest", "GET", "/v1/reports"),
    ("ingest", "PUT", "/v1/reports/no-such-report"),
    ("ingest", "DELETE", "/v1/admin/opds/NONE/keys/none"),
    ("ingest", "POST", "/v1/attachments"),
    ("ingest", "GET", "/v1/admin/opds"),
    ("ingest", "GET", "/v1/admin/opds/NONE/users"),
    ("ingest", "POST", "/v1/opd-auth/token"),
    ("ingest", "POST", "/v1/opd-auth/password-reset/confirm"),
    ("ingest", "GET", "/files/missing-attachment"),
    ("editorial", "GET", "/v1/articles"),
    ("editorial", "GET", "/v1/admin/accounts"),
    ("editorial", "GET", "/v1/channel-health"),
    ("editorial", "GET", "/v1/compliance"),
    ("editorial", "GET", "/v1/compliance/2026-11.csv"),
    ("editorial", "GET", "/v1/audit"),
    ("publisher", "GET", "/v1/publications"),
    ("publisher", "GET", "/feeds/rss.xml"),
    ("publisher", "GET", "/feeds/feed.json"),
    ("publisher", "GET", "/berita/no-such-article"),
    ("notifier", "GET", "/v1/journalists"),
    ("notifier", "GET", "/v1/deliveries"),
    ("notifier", "PUT", "/v1/journalists/nobody/subscriptions"),
    ("notifier", "GET", "/unsubscribe/no-such-token"),
]


def test_every_public_path_reaches_its_service_through_one_origin(
    settings: Settings, tmp_path: Path,
) -> None:
    with replicas(settings, tmp_path, 1) as stack, httpx.Client(timeout=10) as http:
        for service, method, path in PUBLIC:
            direct = http.request(method, f"{stack.of(service)[0].url}{path}")
            front = http.request(method, f"{stack.base}{path}")
            assert (front.status_code, front.content) == (direct.status_code, direct.content), \
                f"{method} {path} did not reach {service}"
        for service in SERVICES:
            ready = http.get(f"{stack.base}/_/{service}/readyz")
            assert ready.status_code == 200, ready.text
            spec = http.get(f"{stack.base}/_/{service}/openapi.json").json()
            assert service in spec["info"]["title"].lower()
            docs = http.get(f"{stack.base}/_/{service}/docs")
            assert f"'/_/{service}/openapi.json'" in docs.text  # the page finds its own spec
            assert http.get(f"{stack.base}/_/{service}/asyncapi.json").status_code == 200
            assert http.get(f"{stack.base}/_/{service}/metrics").status_code == 200
        unknown = http.get(f"{stack.base}/no/such/path")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        secret = "tokenrahasia" + uuid.uuid4().hex
        for page in ("/console/opd/sandi/", "/preferensi/", "/unsubscribe/", "/undangan/"):
            http.get(f"{stack.base}{page}{secret}")
    logged = "".join(log.read_text() for log in tmp_path.rglob("frontdoor-access.log"))
    assert "/console/opd/sandi/[redacted]" in logged  # the request was logged...
    assert secret not in logged  # ...without the link's token (it sets a password)


async def test_a_12_megapixel_photo_uploads_through_the_front_door(
    settings: Settings, tmp_path: Path,
) -> None:
    with replicas(settings, tmp_path, 1, services=["ingest"]) as stack:
        opd = await make_opd(stack.settings, "FOTO")
        photo = phone_photo()
        assert len(photo) > 3_000_000
        async with httpx.AsyncClient(timeout=60) as http:
            answer = await http.post(f"{stack.base}/v1/attachments", headers=opd.auth,
                                     files={"file": ("foto.jpg", photo, "image/jpeg")})
            assert answer.status_code == 201, answer.text
            served = await http.get(answer.json()["url"])
            too_big = await http.post(f"{stack.base}/v1/attachments", headers=opd.auth,
                                      content=b"\0" * (17 * 1_048_576))
        assert answer.json()["url"].startswith(stack.base)  # the public origin is the door
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert too_big.status_code == 413  # refused by the door itself, still in JSON
        assert too_big.json()["error"]["code"] == "payload_too_large"


class Probe:
    """A listener that reads one request per connection, counts it, and hangs up unanswered:
    an instance that died while handling the request."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                if data:
                    self.requests.append(data.split(b"\r\n", 1)[0])

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def probed_front_door(tmp_path: Path) -> Iterator[tuple[str, Probe, Probe]]:
    first, second = Probe(), Probe()
    port = infra.free_port()
    upstreams = {s: [first.port, second.port] for s in SERVICES}
    process = frontdoor.start(tmp_path / "fd", port, upstreams, tmp_path / "frontdoor.log")
    try:
        frontdoor.wait_ready(port, process)
        yield frontdoor.url(port), first, second
    finally:
        infra.stop(process)
        first.close()
        second.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_write_that_reached_an_instance_is_never_sent_to_another(
    tmp_path: Path, method: str,
) -> None:
    with probed_front_door(tmp_path) as (base, first, second):
        answer = httpx.request(method, f"{base}/v1/reports/r1", json={"title": "x"}, timeout=10)
        assert answer.status_code == 503
        assert answer.headers["retry-after"]
        assert answer.json()["error"]["code"] == "service_unavailable"
        assert len(first.requests) + len(second.requests) == 1


def test_a_read_that_failed_on_one_instance_is_retried_on_the_next(tmp_path: Path) -> None:
    with probed_front_door(tmp_path) as (base, first, second):
        answer = httpx.get(f"{base}/v1/reports", timeout=10)
        assert answer.status_code == 503  # both probes hung up
        assert len(first.requests) == len(second.requests) == 1
