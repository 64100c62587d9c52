"""The HTTP shell every service shares: errors, deadlines, body limits, metrics, health."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import ErrorOut, error_body, error_response, unavailable_response

log = logging.getLogger("warta.http")

REQUESTS = Counter("warta_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("warta_http_request_seconds", "HTTP latency", ["method", "route"])

ReadinessCheck = Callable[[], Awaitable[dict[str, Any]]]


class Deadline:
    """A server-side deadline per request (per path: uploads re-encode photos): past it, the
    handler is cancelled and the caller gets a JSON 503 with Retry-After. The deadline covers
    the time to the response's start; a response already streaming is left to finish."""

    def __init__(self, app: ASGIApp, seconds_for: Callable[[str], float]) -> None:
        self.app, self.seconds_for = app, seconds_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.seconds_for(scope["path"])
        started = False
        deadline = asyncio.timeout(seconds)

        async def send_once_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, send_once_started)
        except TimeoutError:
            if started or not deadline.expired():
                raise
            log.warning("request deadline exceeded", extra={
                "method": scope["method"], "path": scope["path"], "deadline_s": seconds})
            cause = f"The request did not finish within {seconds:g} s"
            await unavailable_response(scope["method"], "deadline_exceeded", cause)(
                scope, receive, send)


class BodyLimit:
    """Refuses bodies over a limit (413) before the app reads them, also without Content-Length."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)


def _too_large(limit: int) -> JSONResponse:
    return error_response(413, "payload_too_large", f"The body is larger than {limit} bytes.")


def _metrics_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                      ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response


class ReadyOut(BaseModel):
    status: Literal["ready"]
    details: dict[str, Any]


def _text(media_type: str, description: str, kind: str = "string"
          ) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description,
                  "content": {media_type: {"schema": {"type": kind}}}}}


def operations_router(asyncapi: AsyncAPI, readiness: ReadinessCheck) -> APIRouter:
    """/healthz, /readyz, /metrics and the AsyncAPI document."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz", response_model=ReadyOut, responses={503: {
        "model": ErrorOut, "description": "A dependency is not answering; `details` says which."}})
    async def readyz() -> JSONResponse:
        details = await readiness()
        ready = all(v.get("ok", True) for v in details.values() if isinstance(v, dict))
        if ready:
            return JSONResponse({"status": "ready", "details": details})
        body = error_body("not_ready", "A dependency is not answering.", details)
        return JSONResponse(body, status_code=503)

    @router.get("/metrics", response_class=Response, responses=_text(
        "text/plain", "The Prometheus text exposition format."))
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> Response:
        return Response(asyncapi.to_specification().to_json(), media_type="application/json")

    @router.get("/asyncapi.yaml", response_class=Response, responses=_text(
        "application/yaml", "The AsyncAPI document of the events this service reads and writes.",
        "object"))
    async def asyncapi_yaml() -> Response:
        return Response(asyncapi.to_specification().to_yaml(), media_type="application/yaml")

    return router


def install_http_shell(app: FastAPI) -> None:
    _metrics_middleware(app)
