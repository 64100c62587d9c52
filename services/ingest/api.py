"""Ingest HTTP routes of the OPD's reports (API key); OPD administration is in `opd_api`.

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
    ReportNotFound,
    Status,
    TransitionRefused,
)
from services.ingest.handlers import Reports
from services.ingest.repository import CursorInvalid, decode_cursor, encode_cursor
from services.ingest.request_handlers import OpdRequests
from services.ingest.request_rules import RequestPending, RequestRefused
from shared.audit import record_act
from shared.errors import ApiError
from shared.openapi import BODY_ERRORS, SERVICE_ERRORS, error_responses, opd_key, opd_user_token

PrincipalDependency = Callable[[Request], Coroutine[Any, Any, OpdPrincipal]]
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,128}$"


# Every OPD route: a missing or bad key (401), its rate limit (429), a dependency down (503).
OPD_ERRORS = {**error_responses(401, 422, 429), **SERVICE_ERRORS}
PENDING: dict[int | str, dict[str, Any]] = {
    202: {"model": s.ReportOut, "description": "the request waits for the desk's decision"}}


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
    except RequestPending as exc:
        raise ApiError(409, "request_pending", "Permintaan sebelumnya untuk laporan ini masih "
                       "menunggu keputusan redaksi; tunggu hasilnya (GET laporan ini).",
                       {"request_id": exc.request_id}) from exc
    except RequestRefused as exc:
        raise ApiError(409, f"request_{exc.request['state']}",
                       f"Redaksi tidak menerapkan permintaan ini: {exc.request.get('reason')}",
                       {"request_id": exc.request["id"], "reason": exc.request.get("reason")}
                       ) from exc
    except InvalidReport as exc:
        fields = ", ".join(p["field"] for p in exc.problems)
        raise ApiError(422, "validation_error", f"Fix these fields: {fields}", exc.problems
                       ) from exc


def reports_router(reports: Reports, requests: OpdRequests, principal: PrincipalDependency
                   ) -> APIRouter:
    router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=OPD_ERRORS,
                       dependencies=[opd_key(), opd_user_token()])
    opd = Annotated[OpdPrincipal, Depends(principal)]

    async def audit(request: Request, who: OpdPrincipal, action: str, doc: dict[str, Any],
                    applied: bool = True) -> None:
        after = doc.get("version")
        await record_act(request, f"opd:{who.opd.code}", "opd", action, target_type="report",
                         target_id=doc["_id"], article_id=doc["_id"], after=after,
                         before=after - 1 if after and action != "report.submit" else None,
                         details={"key_id": who.key_id, "applied": str(applied).lower()})

    @router.post("", status_code=201, response_model=s.ReportOut,
                 responses={**BODY_ERRORS, **error_responses(409)})
    async def submit(
        who: opd, payload: s.ReportIn, request: Request,
        idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY)] = None,
    ) -> s.ReportOut:
        """Accepted (201) only once the report and its event are durably written."""
        async with refusals():
            doc = await reports.submit(who, payload, idempotency_key)
        await audit(request, who, "report.submit", doc)
        return s.report_out(doc)

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
                responses={**BODY_ERRORS, **error_responses(404, 409), **PENDING})
    async def amend(who: opd, report_id: s.ReportIdPath, payload: s.ReportIn,
                    response: Response, request: Request) -> s.ReportOut:
        """Ask to replace the content. Editorial decides: 200 when applied at once (nobody had
        claimed it), 202 while the request waits (see `requests`), 409 when refused."""
        async with refusals():
            doc, applied = await requests.amend(who, report_id, payload)
        await audit(request, who, "report.amend", doc, applied)
        response.status_code = 200 if applied else 202
        return s.report_out(doc)

    @router.delete("/{report_id}", response_model=s.ReportOut,
                   responses={**error_responses(404, 409), **PENDING})
    async def withdraw(who: opd, report_id: s.ReportIdPath, response: Response, request: Request,
                       reason: Annotated[str | None, Query(max_length=500)] = None
                       ) -> s.ReportOut:
        """Ask to withdraw. 200 when withdrawn at once; 202 while an editor (or, once approved,
        the chief editor, as a take-down) decides; 409 when refused. It stays visible."""
        async with refusals():
            doc, applied = await requests.withdraw(who, report_id, reason)
        await audit(request, who, "report.withdraw", doc, applied)
        response.status_code = 200 if applied else 202
        return s.report_out(doc)

    return router
