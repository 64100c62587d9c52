"""Every request has a server-side deadline: past it, a JSON 503 with Retry-After, not a hang."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter

from shared.runtime import ServiceRuntime
from shared.settings import Settings


def stalled_router() -> APIRouter:
    """Routes standing in for a dependency that stalls (a paused broker or database)."""
    router = APIRouter()

    @router.post("/v1/stalled")
    async def stalled() -> dict[str, str]:
        await asyncio.sleep(60)
        return {"status": "late"}

    @router.get("/v1/stalled")
    async def stalled_read() -> dict[str, str]:
        await asyncio.sleep(60)
        return {"status": "late"}

    @router.post("/v1/attachments/slow")
    async def slow_upload() -> dict[str, str]:
        await asyncio.sleep(1.5)  # a photo re-encode: slower than the plain deadline
        return {"status": "stored"}

    return router


async def call(app: object, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        # The client's own patience is far above the deadline: only the server may cut it short.
        return await asyncio.wait_for(client.request(method, path), timeout=20)


async def test_a_stalled_request_answers_503_at_its_deadline(settings: Settings) -> None:
    settings = settings.model_copy(update={"request_timeout_seconds": 0.5})
    runtime = ServiceRuntime(settings, "deadline")
    app = runtime.build_app(title="deadline", routers=[stalled_router()])
    try:
        write = await call(app, "POST", "/v1/stalled")
        read = await call(app, "GET", "/v1/stalled")
    finally:
        runtime.mongo.close()
    assert write.status_code == 503
    assert write.headers["Retry-After"].isdigit()
    error = write.json()["error"]
    assert error["code"] == "deadline_exceeded"
    assert error["details"]["outcome"] == "unknown"  # a write may have been applied
    assert "Idempotency-Key" in error["message"]
    assert read.status_code == 503
    assert read.json()["error"]["details"]["outcome"] == "not_applied"


async def test_uploads_get_their_own_longer_deadline(settings: Settings) -> None:
    settings = settings.model_copy(update={"request_timeout_seconds": 0.5})
    runtime = ServiceRuntime(settings, "deadline")
    app = runtime.build_app(
        title="deadline", routers=[stalled_router()],
        deadline_for=lambda path: 10.0 if path.startswith("/v1/attachments") else 0.5)
    try:
        upload = await call(app, "POST", "/v1/attachments/slow")
        other = await call(app, "POST", "/v1/stalled")
    finally:
        runtime.mongo.close()
    assert upload.status_code == 200, upload.text
    assert other.status_code == 503
