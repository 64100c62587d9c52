"""What the Telegram and X adapter tests share: articles, Pillow-made photos, sandbox controls."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from PIL import Image
from pydantic import BaseModel

from services.publisher.adapters.port import AdapterContext
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef, OpdRef

OPD = OpdRef(id="opd-7", code="DISKOMINFO", name="Dinas Komunikasi dan Informatika",
             region="Kota Makassar", timezone="Asia/Makassar")
SITE = "https://warta.example.go.id"


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


class Photos:
    """The publisher's attachment store as adapters see it: id -> original bytes."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, data: bytes | None = None) -> AttachmentRef:
        data = data or jpeg()
        ref = AttachmentRef(id=uuid.uuid4().hex, url=f"{SITE}/attachments/x", size=len(data),
                            content_type="image/jpeg", sha256=hashlib.sha256(data).hexdigest(),
                            alt_text="Warga antre di posyandu")
        self.files[ref.id] = data
        return ref

    async def fetch(self, ref: AttachmentRef) -> bytes:
        return self.files[ref.id]


class Saved:
    """save_credentials as the publisher's encrypted store receives it."""

    def __init__(self) -> None:
        self.items: list[BaseModel] = []

    async def __call__(self, credentials: BaseModel) -> None:
        self.items.append(credentials)


def context(photos: Photos, saved: Saved | None = None) -> AdapterContext:
    return AdapterContext(article_link=lambda article_id: f"{SITE}/berita/{article_id}",
                          fetch_photo=photos.fetch, save_credentials=saved or Saved())


def article(photos: list[AttachmentRef], *, headline: str = "Posyandu keliling di Tamalate",
            texts: dict[str, str] | None = None, channels: list[str] | None = None
            ) -> ArticleApprovedV1:
    article_id = uuid.uuid4().hex
    return ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="redaktur1",
        article_version=2, decided_at=datetime.now(UTC), opd=OPD, headline=headline,
        body_html="<p>Petugas memeriksa <b>120 balita</b>.</p>",
        summary="Posyandu keliling memeriksa 120 balita & ibu hamil.", category="kesehatan",
        tags=["kesehatan ibu", "posyandu"], attachments=photos,
        channels=channels or ["telegram", "x"], channel_texts=texts or {})


def corrected(original: ArticleApprovedV1, note: str) -> ArticleCorrectedV1:
    data = original.model_dump() | {"article_version": 3, "correction_note": note,
                                    "summary": "Posyandu keliling memeriksa 112 balita."}
    return ArticleCorrectedV1(**data)


class Control:
    """A sandbox's /_sandbox control routes."""

    def __init__(self, base: str) -> None:
        self.base = base

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{self.base}/_sandbox{path}", json=body)
        answer.raise_for_status()
        return answer.json()

    async def get(self, path: str) -> Any:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{self.base}/_sandbox{path}")
        answer.raise_for_status()
        return answer.json()

    async def clear_faults(self) -> None:
        async with httpx.AsyncClient() as client:
            (await client.delete(f"{self.base}/_sandbox/faults")).raise_for_status()

    async def fault(self, method: str, status: int, **more: Any) -> None:
        await self.post("/faults", {"method": method, "status": status, **more})
