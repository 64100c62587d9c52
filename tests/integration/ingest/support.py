"""What the ingest tests share: an app on the real infrastructure, OPDs with keys, sample data."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from services.ingest.config import IngestConfig
from services.ingest.main import create_app
from services.ingest.opd_handlers import OpdAdmin
from services.ingest.opd_repository import OpdRepository
from shared import topics
from shared.auth import Principal, issue_token
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running, settings_env
from tests.probes import collect_envelopes
from warta_cli import infra
from warta_cli.stack import wait_services_ready


@dataclass(frozen=True)
class Opd:
    id: str
    code: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def make_opd(settings: Settings, code: str) -> Opd:
    mongo = MongoHandle(settings, "ingest")
    try:
        repo = OpdRepository(mongo.db)
        await repo.ensure_indexes()
        opd, _, key = await OpdAdmin(repo).create(
            code=code, name=f"Dinas {code.title()}", region="Kota Makassar", timezone="WITA",
            email="humas@makassarkota.go.id")
        return Opd(id=str(opd["_id"]), code=code, key=key)
    finally:
        mongo.close()


def admin_headers(settings: Settings, role: str = "admin") -> dict[str, str]:
    token, _ = issue_token(settings, Principal(subject="root", role=role, name="Admin"))
    return {"Authorization": f"Bearer {token}"}


@contextlib.asynccontextmanager
async def ingest(settings: Settings, config: IngestConfig | None = None
                 ) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings, config)) as client:
        yield client


def report(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Vaksinasi massal di Kecamatan Tamalate",
        "body": "<p>Sebanyak <b>500 warga</b> divaksin.</p>",
        "summary": "500 warga divaksin",
        "activity_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(),
        "location": "Puskesmas Tamalate",
        "category": "kesehatan",
        "tags": ["vaksin", "kesehatan"],
    }
    body.update(overrides)
    return body


def jpeg(width: int = 64, height: int = 48, exif: bytes | None = None,
         color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="JPEG",
                                                  **({"exif": exif} if exif else {}))
    return out.getvalue()


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel camera JPEG: sensor-like noise (so it is megabytes, as a real one is) and
    the EXIF a phone writes (make, model, orientation, capture time, GPS)."""
    noise = Image.effect_noise((width // 4, height // 4), 48).resize((width, height))
    gradient = Image.linear_gradient("L").resize((width, height))
    photo = Image.merge("RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "KameraHumas", "HP-12MP"  # Make, Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise when shown
    exif[0x0132] = "2026:11:30 09:15:00"  # DateTime
    exif[0x8825] = {1: "S", 2: (5.0, 8.0, 0.0), 3: "E", 4: (119.0, 25.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


async def events_for(settings: Settings, report_id: str, wanted: int, patience: float = 20.0,
                     settle: float = 0.0) -> list[dict[str, Any]]:
    """The envelopes about one report on the reports topic, in order; after `wanted` have come,
    nothing more for `settle` seconds (so a duplicate would show)."""
    return await collect_envelopes(
        settings.kafka_bootstrap, topics.REPORTS, lambda e: e.get("correlation_id") == report_id,
        wanted=wanted, patience=patience, quiet=settle)


@contextlib.contextmanager
def ingest_process(settings: Settings, home: Path, extra_env: dict[str, str] | None = None
                   ) -> Iterator[tuple[str, infra.Process]]:
    """Ingest as its own OS process (`python -m services.ingest`), for crash and fuzz tests."""
    port = infra.free_port()
    service_settings = settings.model_copy(update={
        "ingest_port": port, "public_base_url": f"http://127.0.0.1:{port}"})
    env = {**os.environ, **settings_env(service_settings), **(extra_env or {})}
    process = start_ingest(home, env)
    try:
        wait_services_ready(service_settings, [process])
        yield f"http://127.0.0.1:{port}", process
    finally:
        infra.stop(process)


def start_ingest(home: Path, env: dict[str, str]) -> infra.Process:
    return infra.spawn("ingest", [sys.executable, "-m", "services.ingest"],
                       home / "logs" / "ingest.log", env=env, cwd=infra.ROOT)
