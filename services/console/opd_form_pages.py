"""The OPD's report form (new and amend) and its photos, posted with or without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from services.console import report_form
from services.console.domain import ApiRefusal, Session
from services.console.opd_desk import OpdDesk, applied, path_of, said
from services.console.opd_pages import OPD
from services.console.web import checked_form, page
from shared.vocabulary import REPORT_CATEGORIES, ZONES

CHECK = "Periksa isian yang ditandai."


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


class ReportForms:
    def __init__(self, desk: OpdDesk) -> None:
        self.desk = desk

    def show(self, request: Request, session: Session, form: dict[str, str], *,
             report: dict[str, Any] | None = None, status: int = 200,
             errors: dict[str, str] | None = None, error: str | None = None) -> Response:
        return page(request, "opd_form.html", {
            "session": session, "csrf": session.csrf, "form": form, "report": report,
            "photos": report_form.photos_of(form), "errors": errors or {}, "error": error,
            "categories": REPORT_CATEGORIES, "zones": ZONES}, status)

    async def uploaded(self, session: Session, request: Request, form: dict[str, str]) -> None:
        """Photos sent with the form itself (no JavaScript): to ingest, then rows like JS's."""
        files = [f for f in (await request.form()).getlist("photo")
                 if isinstance(f, UploadFile) and f.filename]
        start = len(report_form.photos_of(form)) + 100  # after the rows already there
        for offset, file in enumerate(files):
            found = await self.desk.upload(session, file.filename or "foto", await file.read(),
                                           file.content_type or "")
            form[f"photos-{start + offset}-id"] = str(found["id"])

    async def send(self, request: Request, report_id: str | None) -> Response:
        session = await self.desk.session(request)
        form = await checked_form(request, session)
        key = report_form.idempotency_key(request.headers.get("idempotency-key")
                                          or form.get("idempotency_key"))
        form["idempotency_key"] = key
        shown = {"id": report_id} if report_id else None
        try:
            await self.uploaded(session, request, form)
            payload, errors = report_form.payload_of(form)
            if errors:
                return self.failed(request, session, form, shown, 422, errors, CHECK)
            if report_id is None:
                report = await self.desk.api(session, "POST", "/v1/reports", json=payload,
                                             headers={"Idempotency-Key": key})
                done = "terkirim"
            else:
                report = await self.desk.api(session, "PUT", path_of(report_id), json=payload)
                done = "diubah" if applied(report, "amend") else "ubah_menunggu"
        except ApiRefusal as refusal:
            status = report_form.answer_status(refusal.status)
            return self.failed(request, session, form, shown, status, refusal.fields,
                               said(refusal))
        target = f"{OPD}/laporan/{report['id']}?ok={done}"
        if wants_json(request):
            return JSONResponse({"id": report["id"], "url": target},
                                status_code=201 if report_id is None else 200)
        return RedirectResponse(target, status_code=303)

    def failed(self, request: Request, session: Session, form: dict[str, str],
               report: dict[str, Any] | None, *args: Any) -> Response:
        status, errors, message = args
        if wants_json(request):
            return JSONResponse({"message": message, "errors": errors}, status_code=status)
        return self.show(request, session, form, report=report, status=status, errors=errors,
                         error=message)

    async def attach(self, request: Request) -> Response:
        """laporan.js: one photo at a time (its progress bar), forwarded to ingest."""
        session = await self.desk.session(request)
        await checked_form(request, session)
        file = (await request.form()).get("file")
        if not isinstance(file, UploadFile):
            return JSONResponse({"message": "Pilih foto."}, status_code=422)
        try:
            found = await self.desk.upload(session, file.filename or "foto", await file.read(),
                                           file.content_type or "")
        except ApiRefusal as refusal:
            status = refusal.status if refusal.status in (413, 415, 422, 429) else 503
            return JSONResponse({"message": refusal.message}, status_code=status)
        return JSONResponse({"id": found["id"], "thumbnail_url": found.get("thumbnail_url")})


def build_router(desk: OpdDesk) -> APIRouter:
    router = APIRouter(prefix=OPD, include_in_schema=False)
    forms = ReportForms(desk)

    @router.get("/laporan/baru", response_class=HTMLResponse)
    async def new_form(request: Request) -> Response:
        session = await desk.session(request)
        form = {"zone": report_form.zone_of(session.timezone),
                "idempotency_key": report_form.idempotency_key(None)}
        return forms.show(request, session, form)

    @router.post("/laporan/baru")
    async def submit(request: Request) -> Response:
        return await forms.send(request, None)

    @router.get("/laporan/{report_id}/ubah", response_class=HTMLResponse)
    async def amend_form(request: Request, report_id: str) -> Response:
        session = await desk.session(request)
        report = await desk.api(session, "GET", path_of(report_id))
        zone = report_form.zone_of(session.timezone)
        return forms.show(request, session, report_form.form_of_report(report, zone),
                          report=report)

    @router.post("/laporan/{report_id}/ubah")
    async def amend(request: Request, report_id: str) -> Response:
        return await forms.send(request, report_id[:64])

    @router.post("/lampiran")
    async def attach(request: Request) -> Response:
        return await forms.attach(request)

    return router
