"""Ingest HTTP routes: the OPD's reports (API key) and OPD administration (admin JWT).

No `from __future__ import annotations`: FastAPI resolves annotations against module globals,
and the principal aliases are local to the router builders.
"""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import AwareDatetime

from services.ingest import schemas as s
from services.ingest.auth import OpdPrincipal
from services.ingest.domain import (
    ChangedConcurrently,
    IdempotencyKeyReused,
    InvalidReport,
    OpdConflict,
    OpdInvalid,
    OpdNotFound,
    ReportNotFound,
    Status,
    TransitionRefused,
)
from services.ingest.handlers import Reports
from services.ingest.opd_handlers import OpdAdmin
from services.ingest.opd_repository import KeyRecord
from services.ingest.repository import CursorInvalid, decode_cursor, encode_cursor
from shared.auth import require_role
from shared.errors import ApiError
from shared.mongo import Document
from shared.openapi import (
    BODY_ERRORS,
    SERVICE_ERRORS,
    editor_jwt,
    error_responses,
    opd_key,
    role_errors,
)
from shared.settings import Settings

PrincipalDependency = Callable[[Request], Coroutine[Any, Any, OpdPrincipal]]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,128}$"


# Every OPD route: a missing or bad key (401), its rate limit (429), a dependency down (503).
OPD_ERRORS = {**error_responses(401, 422, 429), **SERVICE_ERRORS}


@asynccontextmanager
async def refusals() -> AsyncIterator[None]:
    """The use cases' domain refusals become clear HTTP errors."""
    try:
        yield
    except ReportNotFound as exc:
        raise ApiError(404, "not_found", f"No report {exc.report_id!r} for this OPD.") from exc
    except TransitionRefused as exc:
        raise ApiError(409, "invalid_state", str(exc), {"status": exc.status.value}) from exc
    except ChangedConcurrently as exc:
        raise ApiError(409, "conflict", "The report changed while this request ran; retry it."
                       ) from exc
    except IdempotencyKeyReused as exc:
        raise ApiError(409, "idempotency_key_reused",
                       "This Idempotency-Key was already used with a different request body;"
                       " send a new key for a new report.") from exc
    except InvalidReport as exc:
        fields = ", ".join(p["field"] for p in exc.problems)
        raise ApiError(422, "validation_error", f"Fix these fields: {fields}", exc.problems
                       ) from exc


@asynccontextmanager
async def opd_refusals() -> AsyncIterator[None]:
    """OPD administration's domain refusals become clear HTTP errors."""
    try:
        yield
    except OpdNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except OpdConflict as exc:
        raise ApiError(409, exc.code, str(exc)) from exc
    except OpdInvalid as exc:
        raise ApiError(422, "validation_error", str(exc)) from exc


def reports_router(reports: Reports, principal: PrincipalDependency) -> APIRouter:
    router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=OPD_ERRORS,
                       dependencies=[opd_key()])
    opd = Annotated[OpdPrincipal, Depends(principal)]

    @router.post("", status_code=201, response_model=s.ReportOut,
                 responses={**BODY_ERRORS, **error_responses(409)})
    async def submit(
        who: opd, payload: s.ReportIn,
        idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY)] = None,
    ) -> s.ReportOut:
        """Accepted (201) only once the report and its event are durably written."""
        async with refusals():
            return s.report_out(await reports.submit(who, payload, idempotency_key))

    @router.get("", response_model=s.ReportPage, responses=error_responses(400))
    async def list_reports(
        who: opd, *, status: Status | None = None,
        submitted_after: AwareDatetime | None = None,
        submitted_before: AwareDatetime | None = None,
        cursor: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> s.ReportPage:
        try:
            after_id = decode_cursor(cursor) if cursor else None
        except CursorInvalid as exc:
            raise ApiError(400, "bad_cursor", "The cursor is invalid; start again without it.") \
                from exc
        docs = await reports.reports.page(
            who.opd_id, status=status.value if status else None, after=submitted_after,
            before=submitted_before, cursor=after_id, limit=limit + 1)
        more = len(docs) > limit
        items = [s.report_out(d) for d in docs[:limit]]
        return s.ReportPage(items=items,
                            next_cursor=encode_cursor(items[-1].id) if more and items else None)

    @router.get("/{report_id}", response_model=s.ReportOut, responses=error_responses(404))
    async def get_report(who: opd, report_id: s.ReportIdPath) -> s.ReportOut:
        async with refusals():
            return s.report_out(await reports.owned(who, report_id))

    @router.put("/{report_id}", response_model=s.ReportOut,
                responses={**BODY_ERRORS, **error_responses(404, 409)})
    async def amend(who: opd, report_id: s.ReportIdPath, payload: s.ReportIn) -> s.ReportOut:
        """Replace the content while submitted or revision_requested; the revision goes up."""
        async with refusals():
            return s.report_out(await reports.amend(who, report_id, payload))

    @router.delete("/{report_id}", response_model=s.ReportOut, responses=error_responses(404, 409))
    async def withdraw(who: opd, report_id: s.ReportIdPath) -> s.ReportOut:
        """Withdraw before approval; the report stays visible as withdrawn."""
        async with refusals():
            return s.report_out(await reports.withdraw(who, report_id))

    return router


def admin_router(settings: Settings, admin: OpdAdmin) -> APIRouter:
    router = APIRouter(prefix="/v1/admin/opds", tags=["admin"],
                       dependencies=[Depends(require_role(settings, "admin")), editor_jwt("admin")],
                       responses={**role_errors("admin"), **SERVICE_ERRORS})
    found = error_responses(404, 422)  # a route with an OPD code in its path

    @router.post("", status_code=201, response_model=s.IssuedKey,
                 responses={**BODY_ERRORS, **error_responses(409)})
    async def create_opd(payload: s.OpdIn) -> s.IssuedKey:
        async with opd_refusals():
            opd, key_id, api_key = await admin.create(**payload.model_dump())
        return s.IssuedKey(opd=_opd_out(opd), key_id=key_id, api_key=api_key)

    @router.get("", response_model=list[s.OpdOut])
    async def list_opds() -> list[s.OpdOut]:
        return [_opd_out(o) for o in await admin.all_opds()]

    @router.get("/{code}", response_model=s.OpdOut, responses=found)
    async def get_opd(code: Annotated[str, s.CODE_PATH]) -> s.OpdOut:
        async with opd_refusals():
            return _opd_out(await admin.find(code))

    @router.get("/{code}/keys", response_model=list[s.KeyOut], responses=found)
    async def list_keys(code: Annotated[str, s.CODE_PATH]) -> list[s.KeyOut]:
        async with opd_refusals():
            return [_key_out(k) for k in await admin.keys(code)]

    @router.post("/{code}/keys", status_code=201, response_model=s.IssuedKey,
                 responses={**found, **error_responses(409)})
    async def rotate_key(code: Annotated[str, s.CODE_PATH]) -> s.IssuedKey:
        async with opd_refusals():
            key_id, api_key = await admin.rotate(code)
            opd = await admin.find(code)
        return s.IssuedKey(opd=_opd_out(opd), key_id=key_id, api_key=api_key)

    @router.delete("/{code}/keys/{key_id}", status_code=204, response_class=Response,
                   responses=found)
    async def revoke_key(code: Annotated[str, s.CODE_PATH],
                         key_id: Annotated[str, s.KEY_ID_PATH]) -> Response:
        async with opd_refusals():
            await admin.revoke(code, key_id)
        return Response(status_code=204)

    return router


def _opd_out(opd: Document) -> s.OpdOut:
    return s.OpdOut(id=opd["_id"], **{k: opd.get(k) for k in (
        "code", "name", "region", "timezone", "email", "phone", "created_at")})


def _key_out(key: KeyRecord) -> s.KeyOut:
    return s.KeyOut(key_id=key.key_id, active=key.active, created_at=key.created_at,
                    revoked_at=key.revoked_at, last_used_at=key.last_used_at)
