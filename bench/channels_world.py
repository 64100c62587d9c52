"""The channel benchmark's outside world: the real local WordPress, the telegram, graph and x
contract servers as processes (their rate limits raised), and a photo server for the articles."""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from shared.envelope import root_event, utcnow
from shared.events.articles import ARTICLE_APPROVED, ArticleApprovedV1
from shared.events.common import AttachmentRef, OpdRef
from warta_cli import infra, wordpress
from warta_cli.sandbox_stack import FACEBOOK_PAGE, X_ACCOUNT, Sandboxes

CHANNELS = ("website", "telegram", "facebook", "instagram", "x")
SANDBOXES = ("telegram", "graph", "x")
UNLIMITED = 10_000_000
OPD = OpdRef(id="opd-bench", code="DISKOMINFO", name="Dinas Komunikasi dan Informatika",
             region="Kota Makassar", timezone="Asia/Makassar")


@dataclass(frozen=True)
class World:
    sandboxes: Sandboxes
    site: wordpress.WordPress
    photo: AttachmentRef

    def credentials(self) -> dict[str, dict[str, str]]:
        """Each channel's credential fields, as the publisher is seeded with them."""
        site = {"url": self.site.url, "username": self.site.username,
                "app_password": self.site.app_password}
        return {"website": site, **self.sandboxes.channel_fields()}

    def env(self) -> dict[str, str]:
        """WARTA_<CHANNEL>_<FIELD>: the publisher seeds its credential store from them."""
        social = {f"WARTA_{channel.upper()}_{name.upper()}": value
                  for channel, fields in self.sandboxes.channel_fields().items()
                  for name, value in fields.items()}
        return {**social, **self.site.env()}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 90, 160)).save(out, "JPEG", quality=85)  # 4:3 fits all
    return out.getvalue()


def _wait(url: str, process: infra.Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited; see {process.log_path}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer on {url}")


def _raise_limits(urls: dict[str, str]) -> None:
    """The benchmark measures our queue, not the networks' quotas: X's 15-minute limits and
    Instagram's 24-hour publishing quota raised through the sandboxes' control routes."""
    httpx.post(f"{urls['x']}/_sandbox/accounts", json=X_ACCOUNT, timeout=5).raise_for_status()
    x_limits = {"post /2/tweets": UNLIMITED, "delete /2/tweets": UNLIMITED,
                "get /2/users/tweets": UNLIMITED, "get /2/users/me": UNLIMITED}
    httpx.post(f"{urls['x']}/_sandbox/limits", json=x_limits, timeout=5).raise_for_status()
    httpx.post(f"{urls['graph']}/_sandbox/accounts/{FACEBOOK_PAGE}",
               json={"quota_total": UNLIMITED}, timeout=5).raise_for_status()


@contextlib.contextmanager
def outside_world(directory: Path) -> Iterator[World]:
    processes: list[infra.Process] = []
    site: wordpress.WordPress | None = None
    try:
        photos = directory / "photos"
        photos.mkdir(parents=True, exist_ok=True)
        data = _jpeg()
        (photos / "kegiatan.jpg").write_bytes(data)
        port = infra.free_port()
        server = infra.spawn("photos", [sys.executable, "-m", "http.server", str(port),
                                        "--bind", "127.0.0.1", "--directory", str(photos)],
                             directory / "logs" / "photos.log", cwd=infra.ROOT)
        processes.append(server)
        photo_url = f"http://127.0.0.1:{port}/kegiatan.jpg"
        _wait(photo_url, server)
        urls: dict[str, str] = {}
        for name in SANDBOXES:
            sandbox_port = infra.free_port()
            process = infra.spawn(f"sandbox-{name}", [sys.executable, "-m", "sandbox", name,
                                                      "--port", str(sandbox_port)],
                                  directory / "logs" / f"sandbox-{name}.log", cwd=infra.ROOT)
            processes.append(process)
            urls[name] = f"http://127.0.0.1:{sandbox_port}"
            _wait(f"{urls[name]}/_sandbox/state", process)
        _raise_limits(urls)
        me = httpx.get(f"{urls['x']}/2/users/me", timeout=5,
                       headers={"Authorization": f"Bearer {X_ACCOUNT['access_token']}"})
        me.raise_for_status()
        if wordpress.missing_packages():
            wordpress.install_wordpress_packages()
        site = wordpress.start(directory / "wordpress", infra.free_port())
        photo = AttachmentRef(id="bench-photo", url=photo_url, content_type="image/jpeg",
                              size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                              caption="Kegiatan", credit="Humas", alt_text="Suasana kegiatan")
        yield World(Sandboxes(urls, str(me.json()["data"]["id"])), site, photo)
    finally:
        if site is not None:
            wordpress.stop(site)
        for process in processes:
            infra.stop(process)


def article(world: World, tag: str, n: int) -> ArticleApprovedV1:
    article_id = f"bench-{tag}-{n:05d}-{int(time.time() * 1000) % 10**9}"
    return ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="bench-redaktur",
        article_version=3, decided_at=utcnow(), opd=OPD,
        headline=f"Posyandu keliling ke-{n} ({tag}) di Tamalate",
        body_html=f"<p>Petugas memeriksa <b>{100 + n} balita</b> dan ibu hamil.</p>",
        summary="Posyandu keliling memeriksa balita dan ibu hamil.", category="kesehatan",
        tags=["posyandu", "kesehatan"], attachments=[world.photo], channels=list(CHANNELS))


def approved_event(data: ArticleApprovedV1) -> Any:
    return root_event(type=ARTICLE_APPROVED, version=1, source="editorial",
                      subject=data.article_id, data=data, correlation_id=data.article_id)
