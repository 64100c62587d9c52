"""What the Facebook and Instagram adapter tests share: sandbox control, articles, photo hosting."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from PIL import Image
from pydantic import BaseModel

from services.publisher.adapters.port import AdapterContext
from services.publisher.fitted_images import FittedImages
from services.publisher.media_api import build_media_router
from shared.errors import install_error_handlers
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef, OpdRef
from warta_cli.infra import free_port

OPD = OpdRef(id="opd-3", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
             timezone="Asia/Makassar")
SITE = "https://warta.example.go.id"


def jpeg(width: int = 1200, height: int = 900, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 140, 90)).save(out, fmt)
    return out.getvalue()


class Photos:
    """The publisher's attachment store as the adapters see it: id -> original bytes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, data: bytes, content_type: str = "image/jpeg", alt: str | None = None
            ) -> AttachmentRef:
        ref = AttachmentRef(id=uuid.uuid4().hex, url=f"{SITE}/attachments/x", size=len(data),
                            content_type=content_type, sha256=hashlib.sha256(data).hexdigest(),
                            alt_text=alt, caption="Foto kegiatan", credit="Humas Dinkes")
        self.files[ref.id] = data
        return ref

    async def fetch(self, ref: AttachmentRef) -> bytes:
        return self.files[ref.id]


def article(photos: list[AttachmentRef], *, headline: str = "Posyandu keliling di Tamalate",
            texts: dict[str, str] | None = None) -> ArticleApprovedV1:
    article_id = uuid.uuid4().hex
    return ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=2, decided_at=datetime.now(UTC), opd=OPD, headline=headline,
        body_html="<p>Petugas memeriksa <b>120 balita</b>.</p>",
        summary="Posyandu keliling memeriksa 120 balita.", category="kesehatan",
        tags=["kesehatan ibu", "posyandu"], attachments=photos,
        channels=["facebook", "instagram"], channel_texts=texts or {})


def corrected(original: ArticleApprovedV1, note: str) -> ArticleCorrectedV1:
    data = original.model_dump() | {"article_version": 3, "correction_note": note,
                                    "summary": "Posyandu keliling memeriksa 112 balita."}
    return ArticleCorrectedV1(**data)


def context(photos: Photos, host: FittedImages | None = None) -> AdapterContext:
    async def save(_: BaseModel) -> None:
        return None

    return AdapterContext(article_link=lambda article_id: f"{SITE}/berita/{article_id}",
                          fetch_photo=photos.fetch, save_credentials=save,
                          host_image=host.host if host else None)


class Sandbox:
    """The Graph sandbox's control routes."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.api = f"{base}/v24.0"

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{self.base}/_sandbox{path}", json=body)
        answer.raise_for_status()
        return answer.json()

    async def state(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{self.base}/_sandbox/state")
        result: dict[str, Any] = answer.json()
        return result

    async def account(self, **config: Any) -> dict[str, Any]:
        made: dict[str, Any] = await self._post("/accounts", {})
        return await self.configure(made["page_id"], **config) if config else made

    async def configure(self, page_id: str, **config: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._post(f"/accounts/{page_id}", config)
        return result

    async def fault(self, path: str, code: int, **more: Any) -> None:
        await self._post("/faults", {"path": path, "code": code, **more})

    async def token(self, token: str, action: str) -> None:
        await self._post("/tokens", {"token": token, "action": action})

    async def advance(self, seconds: float) -> None:
        await self._post("/clock", {"advance_seconds": seconds})

    async def calls(self, path: str, method: str = "POST") -> int:
        return sum(1 for c in (await self.state())["calls"]
                   if c["path"] == path and c["method"] == method)


@contextlib.asynccontextmanager
async def image_host(directory: Path) -> AsyncIterator[FittedImages]:
    """The publisher's public media route on a real loopback port, for Instagram to fetch."""
    app = FastAPI()
    install_error_handlers(app)  # as the publisher's app has them
    app.include_router(build_media_router(directory))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield FittedImages(directory, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task
