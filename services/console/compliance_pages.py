"""Chief editor's pages: the OPDs' compliance for a month (with its CSV and PDF report) and the
audit log."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.admin_forms import audit_params, explained, signed_in_as
from services.console.desk import Desk
from services.console.domain import ApiRefusal
from services.console.downloads import passed_on
from services.console.web import PREFIX, page
from shared.vocabulary import DEFAULT_ZONE

MONTH = re.compile(r"^2\d{3}-(0[1-9]|1[0-2])$")
BAD_MONTH = "Bulan tidak valid; pilih bulan dan tahun (TTTT-BB)."
FORMATS = ("csv", "pdf")


def build_router(desk: Desk) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/kepatuhan", response_class=HTMLResponse)
    async def compliance(request: Request, month: str = "") -> Response:
        session = await signed_in_as(desk, request, "chief_editor")
        context: dict[str, Any] = {"session": session, "csrf": session.csrf, "month": month,
                                   "errors": {}, "report": None, "error": None}
        status = 200
        if month and not MONTH.match(month):
            context["errors"], status = {"month": BAD_MONTH}, 422
        else:
            try:
                context["report"] = await desk.api(
                    session, "GET", "/v1/compliance",
                    params={"month": month} if month else None)
                context["month"] = context["report"]["month"]
            except ApiRefusal as refusal:
                fields, context["error"] = explained(refusal)
                context["errors"] = {"month": fields["month"]} if "month" in fields else {}
                status = refusal.status if refusal.status in (403, 422) else 503
        return page(request, "compliance.html", context, status)

    @router.get("/kepatuhan/{month}.{kind}")
    async def download(request: Request, month: str, kind: str) -> Response:
        session = await signed_in_as(desk, request, "chief_editor")
        if not MONTH.match(month) or kind not in FORMATS:
            raise ApiRefusal(404, "not_found", "Laporan itu tidak ada; pilih bulan dan format "
                             "dari halaman kepatuhan.")
        return await passed_on(desk, session, f"/v1/compliance/{month}.{kind}")

    @router.get("/audit", response_class=HTMLResponse)
    async def audit(request: Request) -> Response:
        session = await signed_in_as(desk, request, "chief_editor")
        query = dict(request.query_params)
        params, errors = audit_params(query, DEFAULT_ZONE)
        listing: dict[str, Any] = {"items": [], "next_cursor": None}
        error, status = None, 200
        if errors:
            status = 422
        else:
            try:
                listing = await desk.api(session, "GET", "/v1/audit",
                                         params={**params, "limit": "50"})
            except ApiRefusal as refusal:
                errors, error = explained(refusal)
                status = refusal.status if refusal.status in (403, 422) else 503
        following = {k: v for k, v in query.items() if k != "cursor" and v}
        return page(request, "audit.html", {
            "session": session, "csrf": session.csrf, "query": query, "errors": errors,
            "error": error, "items": listing["items"], "next_cursor": listing["next_cursor"],
            "following": following}, status)

    return router
