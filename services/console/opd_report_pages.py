"""The OPD's reports: the list with statuses, one report with the desk's feedback, withdrawing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import report_form
from services.console.domain import ApiRefusal, Session
from services.console.opd_desk import OpdDesk, applied, path_of, said
from services.console.opd_pages import OPD
from services.console.web import STATUS_LABELS, checked_form, page

NOTICES = {"terkirim": "Laporan terkirim. Redaksi akan meninjaunya.",
           "diubah": "Perubahan diterapkan.",
           "ubah_menunggu": "Perubahan terkirim dan menunggu keputusan redaksi.",
           "ditarik": "Laporan ditarik.",
           "tarik_menunggu": "Permintaan penarikan terkirim dan menunggu keputusan redaksi."}
CLOSED = frozenset({"withdrawn", "taken_down", "rejected"})


def build_router(desk: OpdDesk) -> APIRouter:
    router = APIRouter(prefix=OPD, include_in_schema=False)

    def zone(session: Session) -> str:
        return report_form.zone_of(session.timezone)

    @router.get("/laporan", response_class=HTMLResponse)
    async def reports(request: Request, status: str = "") -> Response:
        session = await desk.session(request)
        params = {"limit": "50", **({"status": status} if status in STATUS_LABELS else {})}
        error, items = None, []
        try:
            items = (await desk.api(session, "GET", "/v1/reports", params=params))["items"]
        except ApiRefusal as refusal:
            error = refusal.message
        return page(request, "opd_reports.html", {
            "session": session, "csrf": session.csrf, "items": items, "error": error,
            "status": status, "zone": zone(session)})

    async def report_page(request: Request, session: Session, report_id: str,
                          status: int = 200, **context: object) -> Response:
        try:
            report = await desk.api(session, "GET", path_of(report_id))
        except ApiRefusal as refusal:
            return page(request, "missing.html", {"session": session, "csrf": session.csrf,
                                                  "message": said(refusal)}, refusal.status)
        return page(request, "opd_report.html", {
            "session": session, "csrf": session.csrf, "r": report, "zone": zone(session),
            "notice": NOTICES.get(request.query_params.get("ok", "")),
            "open": report["status"] not in CLOSED, **context}, status)

    @router.get("/laporan/{report_id}", response_class=HTMLResponse)
    async def one(request: Request, report_id: str) -> Response:
        return await report_page(request, await desk.session(request), report_id)

    @router.post("/laporan/{report_id}/tarik")
    async def withdraw(request: Request, report_id: str) -> Response:
        session = await desk.session(request)
        form = await checked_form(request, session)
        reason = form.get("reason", "").strip()[:500]
        try:
            report = await desk.api(session, "DELETE", path_of(report_id),
                                    params={"reason": reason} if reason else None)
        except ApiRefusal as refusal:
            return await report_page(request, session, report_id, 409,
                                     withdraw_error=said(refusal), reason=reason)
        done = "ditarik" if applied(report, "withdraw") else "tarik_menunggu"
        return RedirectResponse(f"{OPD}/laporan/{report['id']}?ok={done}", status_code=303)

    return router
