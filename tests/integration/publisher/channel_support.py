"""What every channel adapter test shares: photos, adapter context, articles, sandbox control."""

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
from services.publisher.fitted_images import FittedImages
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef, OpdRef

SITE = "https://warta.example.go.id"


def jpeg(width: int = 800, height: int = 600, fmt: str = "JPEG",
         color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, fmt)
    return out.getvalue()


class Photos:
    """The publisher's attachment store as the adapters see it: id -> original bytes."""

    alt: str | None = None  # what a photo added without its own alt text carries
    caption: str | None = None
    credit: str | None = None

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add(self, data: bytes | None = None, content_type: str = "image/jpeg",
            alt: str | None = None) -> AttachmentRef:
        data = jpeg() if data is None else data
        ref = AttachmentRef(id=uuid.uuid4().hex, url=f"{SITE}/attachments/x", size=len(data),
                            content_type=content_type, sha256=hashlib.sha256(data).hexdigest(),
                            alt_text=self.alt if alt is None else alt, caption=self.caption,
                            credit=self.credit)
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


def context(photos: Photos, saved: Saved | None = None,
            host: FittedImages | None = None) -> AdapterContext:
    return AdapterContext(article_link=lambda article_id: f"{SITE}/berita/{article_id}",
                          fetch_photo=photos.fetch, save_credentials=saved or Saved(),
                          host_image=host.host if host else None)


def article(opd: OpdRef, photos: list[AttachmentRef], *, headline: str, summary: str,
            channels: list[str], texts: dict[str, str] | None = None) -> ArticleApprovedV1:
    article_id = uuid.uuid4().hex
    return ArticleApprovedV1(
        article_id=article_id, report_id=article_id, opd_id=opd.id, editor="redaktur1",
        article_version=2, decided_at=datetime.now(UTC), opd=opd, headline=headline,
        body_html="<p>Petugas memeriksa <b>120 balita</b>.</p>",
        summary=summary, category="kesehatan",
        tags=["kesehatan ibu", "posyandu"], attachments=photos,
        channels=channels, channel_texts=texts or {})


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
