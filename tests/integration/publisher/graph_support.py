"""What the Facebook and Instagram tests add to channel_support: Graph sandbox, photo host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from services.publisher.fitted_images import FittedImages
from services.publisher.media_api import build_media_router
from shared.errors import install_error_handlers
from shared.events.articles import ArticleApprovedV1
from shared.events.common import AttachmentRef, OpdRef
from tests.integration.publisher import channel_support
from warta_cli.infra import free_port

OPD = OpdRef(id="opd-3", code="DINKES", name="Dinas Kesehatan", region="Kota Makassar",
             timezone="Asia/Makassar")


def jpeg(width: int = 1200, height: int = 900, fmt: str = "JPEG") -> bytes:
    return channel_support.jpeg(width, height, fmt, (20, 140, 90))


class Photos(channel_support.Photos):
    caption, credit = "Foto kegiatan", "Humas Dinkes"


def article(photos: list[AttachmentRef], *, headline: str = "Posyandu keliling di Tamalate",
            texts: dict[str, str] | None = None) -> ArticleApprovedV1:
    return channel_support.article(OPD, photos, headline=headline, texts=texts,
                                   summary="Posyandu keliling memeriksa 120 balita.",
                                   channels=["facebook", "instagram"])


class Sandbox(channel_support.Control):
    """The Graph sandbox's control routes."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self.api = f"{base}/v24.0"

    async def state(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.get("/state")
        return result

    async def account(self, **config: Any) -> dict[str, Any]:
        made: dict[str, Any] = await self.post("/accounts", {})
        return await self.configure(made["page_id"], **config) if config else made

    async def configure(self, page_id: str, **config: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.post(f"/accounts/{page_id}", config)
        return result

    async def fault(self, path: str, code: int, **more: Any) -> None:
        await self.post("/faults", {"path": path, "code": code, **more})

    async def token(self, token: str, action: str) -> None:
        await self.post("/tokens", {"token": token, "action": action})

    async def lifetime(self, token: str, *, expires_in: float | None, age_seconds: float = 0.0,
                       long_lived: bool = True) -> None:
        """When the token was issued and when it expires, by the sandbox clock."""
        await self.post("/tokens", {"token": token, "action": "set", "expires_in": expires_in,
                                    "age_seconds": age_seconds, "long_lived": long_lived})

    async def tokens(self, kind: str, page_id: str) -> list[str]:
        """The account's tokens of that kind ("page", "user", "ig"), oldest first."""
        return [t["token"] for t in (await self.state())["tokens"]
                if t["kind"] == kind and t["page_id"] == page_id]

    async def advance(self, seconds: float) -> None:
        await self.post("/clock", {"advance_seconds": seconds})

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
