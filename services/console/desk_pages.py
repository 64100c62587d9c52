"""The desk: the queue, an article (edit, channel texts, decisions) and channel health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console import article_forms
from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session, at_least
from services.console.web import PREFIX, STATUS_LABELS, checked_form, page

FILTER_STATUSES = ("submitted", "in_review", "revision_requested", "rejected", "approved",
                   "scheduled", "published", "corrected", "taken_down", "withdrawn")
NOTICES = {"disimpan": "Perubahan tersimpan.", "diklaim": "Artikel Anda klaim.",
           "komentar": "Komentar terkirim.", "revisi": "Permintaan revisi terkirim.",
           "siap": "Ditandai siap disetujui.", "disetujui": "Artikel disetujui.",
           "disetujui_kanal": "Artikel disetujui. Ada kanal pilihan yang bermasalah (lihat di "
                              "atas): kirimannya terbit setelah kanal itu diperbaiki.",
           "ditolak": "Naskah ditolak; OPD menerima alasannya.",
           "dijadwalkan": "Artikel dijadwalkan terbit.",
           "dijadwalkan_kanal": "Artikel dijadwalkan terbit. Ada kanal pilihan yang bermasalah "
                                "(lihat di atas): kirimannya terbit setelah kanal itu diperbaiki.",
           "jadwal_diubah": "Jadwal terbit diubah.",
           "jadwal_batal": "Jadwal dibatalkan; artikel kembali ditinjau.",
           "dikoreksi": "Koreksi diterbitkan.", "diturunkan": "Artikel diturunkan."}


def build_router(desk: Desk) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    @router.get("/antrean", response_class=HTMLResponse)
    async def queue(request: Request, status: str = "", ready: str = "") -> Response:
        session = await desk.session(request)
        params: dict[str, str] = {"limit": "50"}
        if status in STATUS_LABELS:
            params["status"] = status
        if ready in ("true", "false"):
            params["ready"] = ready
        error = None
        try:
            listing = await desk.api(session, "GET", "/v1/articles", params=params)
        except ApiRefusal as refusal:
            listing, error = {"items": []}, refusal.message
        return page(request, "queue.html", {
            "session": session, "csrf": session.csrf, "items": listing["items"],
            "status": status, "ready": ready, "statuses": FILTER_STATUSES, "error": error,
            "channel_alerts": await desk.channel_alerts(session)})

    async def article_page(request: Request, session: Session, article_id: str, *,
                           status: int = 200, refusal: ApiRefusal | None = None,
                           submitted: dict[str, str] | None = None) -> Response:
        context = await article_forms.load(desk, session, article_id)
        notice = NOTICES.get(request.query_params.get("ok", ""))
        return page(request, "article.html", {
            **context, "session": session, "csrf": session.csrf, "notice": notice,
            "refusal": refusal, "errors": refusal.fields if refusal else {},
            "submitted": submitted or {}, "chief": at_least(session.role, "chief_editor"),
            "channel_alerts": await desk.channel_alerts(session)},
            status)

    @router.get("/artikel/{article_id}", response_class=HTMLResponse)
    async def article(request: Request, article_id: str) -> Response:
        session = await desk.session(request)
        try:
            return await article_page(request, session, article_id)
        except ApiRefusal as refusal:
            return page(request, "missing.html", {"session": session, "csrf": session.csrf,
                                                  "message": refusal.message}, refusal.status)

    @router.post("/artikel/{article_id}/{action}")
    async def act(request: Request, article_id: str, action: str) -> Response:
        session = await desk.session(request)
        form = await checked_form(request, session)
        try:
            done = await article_forms.perform(desk, session, article_id, action, form)
        except ApiRefusal as refusal:
            status = refusal.status if refusal.status in (403, 404, 409, 422, 428) else 503
            return await article_page(request, session, article_id, status=status,
                                      refusal=refusal, submitted=form)
        return RedirectResponse(f"{PREFIX}/artikel/{article_id}?ok={done}", status_code=303)

    @router.post("/hitung/{channel}", response_class=HTMLResponse)
    async def count(request: Request, channel: str) -> Response:
        """htmx, as the editor types: the counter of one channel text (same rule as editorial's
        preview)."""
        session = await desk.session(request)
        form = await checked_form(request, session)
        counter: dict[str, Any] = article_forms.live_counter(
            channel, form.get(f"text_{channel}", ""), article_forms.image_count(form))
        return page(request, "_counter.html", {"c": counter})

    @router.get("/kanal", response_class=HTMLResponse)
    async def channels(request: Request) -> Response:
        session = await desk.session(request)
        error, items = None, []
        try:
            items = (await desk.api(session, "GET", "/v1/channels"))["items"]
        except ApiRefusal as refusal:
            error = refusal.message
        return page(request, "channels.html", {"session": session, "csrf": session.csrf,
                                               "items": items, "error": error})

    return router
