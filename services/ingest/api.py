"""Ingest HTTP routes: the OPD's reports (API key) and OPD administration (admin JWT).

No `from __future__ import annotations`: FastAPI resolves annotations against module globals,
and the principal aliases are local to the router builders.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import AwareDatetime, BaseModel

from services.ingest import schemas as s
from services.ingest.auth import OpdPrincipal
from services.ingest.domain import Status
from services.ingest.handlers import Reports
from services.ingest.onboarding import OpdAdmin
from services.ingest.opds import KeyRecord
from services.ingest.repository import CursorInvalid, decode_cursor, encode_cursor
from shared.auth import require_role
from shared.errors import ApiError
from shared.mongo import Document
from shared.settings import Settings

PrincipalDependency = Callable[[Request], Coroutine[Any, Any, OpdPrincipal]]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,128}$"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetail


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut} for code in codes}


OPD_ERRORS = error_responses(401, 413, 422, 429, 503)


def reports_router(reports: Reports, principal: PrincipalDependency) -> APIRouter:
    router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=OPD_ERRORS)
    opd = Annotated[OpdPrincipal, Depends(principal)]

    @router.post("", status_code=201, response_model=s.ReportOut, responses=error_responses(409))
    async def submit(
        who: opd, payload: s.ReportIn,
        idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY)] = None,
    ) -> dict[str, Any]:
        """Accepted (201) only once the report and its event are durably written."""
        return await reports.submit(who, payload, idempotency_key)

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
        return s.report_out(await reports.owned(who, report_id))

    @router.put("/{report_id}", response_model=s.ReportOut, responses=error_responses(404, 409))
    async def amend(who: opd, report_id: s.ReportIdPath, payload: s.ReportIn) -> s.ReportOut:
        """Replace the content while submitted or revision_requested; the revision goes up."""
        return s.report_out(await reports.amend(who, report_id, payload))

    @router.delete("/{report_id}", response_model=s.ReportOut, responses=error_responses(404, 409))
    async def withdraw(who: opd, report_id: s.ReportIdPath) -> s.ReportOut:
        """Withdraw before approval; the report stays visible as withdrawn."""
        return s.report_out(await reports.withdraw(who, report_id))

    return router


def admin_router(settings: Settings, admin: OpdAdmin) -> APIRouter:
    router = APIRouter(prefix="/v1/admin/opds", tags=["admin"],
                       dependencies=[Depends(require_role(settings, "admin"))],
                       responses=error_responses(401, 403, 404, 422))

    @router.post("", status_code=201, response_model=s.IssuedKey, responses=error_responses(409))
    async def create_opd(payload: s.OpdIn) -> s.IssuedKey:
        opd, key_id, api_key = await admin.create(**payload.model_dump())
        return s.IssuedKey(opd=_opd_out(opd), key_id=key_id, api_key=api_key)

    @router.get("", response_model=list[s.OpdOut])
    async def list_opds() -> list[s.OpdOut]:
        return [_opd_out(o) for o in await admin.all_opds()]

    @router.get("/{code}", response_model=s.OpdOut)
    async def get_opd(code: Annotated[str, s.CODE_PATH]) -> s.OpdOut:
        return _opd_out(await admin.find(code))

    @router.get("/{code}/keys", response_model=list[s.KeyOut])
    async def list_keys(code: Annotated[str, s.CODE_PATH]) -> list[s.KeyOut]:
        return [_key_out(k) for k in await admin.keys(code)]

    @router.post("/{code}/keys", status_code=201, response_model=s.IssuedKey,
                 responses=error_responses(409))
    async def rotate_key(code: Annotated[str, s.CODE_PATH]) -> s.IssuedKey:
        key_id, api_key = await admin.rotate(code)
        return s.IssuedKey(opd=_opd_out(await admin.find(code)), key_id=key_id, api_key=api_key)

    @router.delete("/{code}/keys/{key_id}", status_code=204, response_class=Response)
    async def revoke_key(code: Annotated[str, s.CODE_PATH],
                         key_id: Annotated[str, s.KEY_ID_PATH]) -> Response:
        await admin.revoke(code, key_id)
        return Response(status_code=204)

    return router


def _opd_out(opd: Document) -> s.OpdOut:
    return s.OpdOut(id=opd["_id"], **{k: opd.get(k) for k in (
        "code", "name", "region", "timezone", "email", "phone", "created_at")})


def _key_out(key: KeyRecord) -> s.KeyOut:
    return s.KeyOut(key_id=key.key_id, active=key.active, created_at=key.created_at,
                    revoked_at=key.revoked_at, last_used_at=key.last_used_at)
