"""The JSON error model: `{"error": {"code", "message", "details"}}`, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.failures import TRANSIENT

log = logging.getLogger("warta.http")

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str = Field(examples=["Fix these fields: title"])
    details: Any = None


class ErrorOut(BaseModel):
    """Every error answer: a stable `code`, a `message` saying what to do, optional details."""

    error: ErrorDetail


class ApiError(Exception):
    """A refusal the caller can act on; `message` says what to fix."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(
    status: int, code: str, message: str, details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unavailable_response(method: str, code: str, cause: str, retry_after: int = 5
                         ) -> JSONResponse:
    """The honest 503: a read changed nothing; a write's outcome is unknown (a timed-out write
    may have been applied, and its events then go out once the dependency is back)."""
    if method.upper() in _SAFE_METHODS:
        outcome, message = "not_applied", f"{cause}; nothing was changed. Retry in a few seconds."
    else:
        outcome, message = "unknown", (
            f"{cause}; this change may or may not have been saved. Retrying with the same "
            "Idempotency-Key is safe; without one, check the current state before retrying.")
    return error_response(503, code, message,
                          {"outcome": outcome, "retry_after_seconds": retry_after},
                          headers={"Retry-After": str(retry_after)})


_UNPARSABLE_BODY = "There was an error parsing the body"  # fastapi.routing


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", ""),
         "type": err.get("type", "")}
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _field_errors(exc)
        fields = ", ".join(sorted({d["field"] for d in details})) or "the request"
        return error_response(422, "validation_error", f"Fix these fields: {fields}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            # FastAPI's answer to a body that is not UTF-8: the same 422 as a malformed JSON body.
            return error_response(422, "validation_error", "Fix these fields: body", [
                {"field": "body", "problem": "the body is not valid UTF-8 JSON",
                 "type": "json_invalid"}])
        code = _STATUS_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, str(exc.detail), None, headers)

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable", extra={"error": repr(exc)})
        return unavailable_response(request.method, "unavailable",
                                    "A dependency is not answering")

    # Per class, so the inner exception middleware answers: a handler for `Exception` runs in
    # the outermost one, which re-raises after answering (a traceback logged per 503).
    for transient in TRANSIENT:
        app.add_exception_handler(transient, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, TRANSIENT):  # raised outside the routes (a middleware)
            return await _unavailable(request, exc)
        log.exception("unexpected error")
        return error_response(500, "internal_error", "Unexpected error; it has been logged.")
