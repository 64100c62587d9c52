"""Admin pages of editorial accounts (list, create with a role, change the role, disable,
enable) and the notifier's journalists and media partners (read-only)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.admin_forms import ACCOUNT_ROLES, account_body, explained, signed_in_as
from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session
from services.console.downloads import passed_on
from services.console.web import PREFIX, checked_form, page

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
MONTH = re.compile(r"^2\d{3}-(0[1-9]|1[0-2])$")
HOME = f"{PREFIX}/admin/akun"
NOTICES = {"dibuat": "Akun dibuat.", "peran": "Peran diubah.", "nonaktif": "Akun dinonaktifkan.",
           "aktif": "Akun diaktifkan kembali."}


def build_router(desk: Desk) -> APIRouter:
    router = APIRouter(prefix=f"{PREFIX}/admin", include_in_schema=False)

    async def accounts_page(request: Request, session: Session, *, status: int = 200,
                            refusal: ApiRefusal | None = None, about: str = "",
                            submitted: dict[str, str] | None = None) -> Response:
        cursor = request.query_params.get("cursor", "")
        listing = await desk.api(session, "GET", "/v1/admin/accounts",
                                 params={"limit": "50", **({"cursor": cursor} if cursor else {})})
        errors, error = explained(refusal) if refusal else ({}, None)
        return page(request, "admin_accounts.html", {
            "session": session, "csrf": session.csrf, "items": listing["items"],
            "next_cursor": listing["next_cursor"], "roles": ACCOUNT_ROLES, "errors": errors,
            "error": error, "about": about, "submitted": submitted or {},
            "notice": NOTICES.get(request.query_params.get("ok", ""))}, status)

    def refused_status(refusal: ApiRefusal) -> int:
        return refusal.status if refusal.status in (403, 404, 409, 422) else 503

    def known(username: str) -> str:
        if not USERNAME.match(username):
            raise ApiRefusal(404, "not_found", f"Tidak ada akun {username}.")
        return username

    @router.get("/akun", response_class=HTMLResponse)
    async def accounts(request: Request) -> Response:
        return await accounts_page(request, await signed_in_as(desk, request, "admin"))

    @router.post("/akun")
    async def create(request: Request) -> Response:
        session = await signed_in_as(desk, request, "admin")
        form = await checked_form(request, session)
        try:
            await desk.api(session, "POST", "/v1/admin/accounts", json=account_body(form))
        except ApiRefusal as refusal:
            return await accounts_page(request, session, status=refused_status(refusal),
                                       refusal=refusal, about="new", submitted=form)
        return RedirectResponse(f"{HOME}?ok=dibuat", status_code=303)

    @router.post("/akun/{username}/{action}")
    async def act(request: Request, username: str, action: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        form = await checked_form(request, session)
        path = f"/v1/admin/accounts/{known(username)}"
        calls: dict[str, tuple[str, str, Any]] = {
            "peran": ("PATCH", path, {"role": form.get("role", "")}),
            "nonaktif": ("POST", f"{path}/disable",
                         {"reason": form.get("reason", "").strip()}),
            "aktif": ("POST", f"{path}/enable", None)}
        if action not in calls:
            raise ApiRefusal(404, "not_found", "Tindakan itu tidak ada.")
        method, target, body = calls[action]
        try:
            await desk.api(session, method, target, json=body)
        except ApiRefusal as refusal:
            return await accounts_page(request, session, status=refused_status(refusal),
                                       refusal=refusal, about=username, submitted=form)
        return RedirectResponse(f"{HOME}?ok={action}", status_code=303)

    @router.get("/mitra", response_class=HTMLResponse)
    async def partners(request: Request) -> Response:
        session = await signed_in_as(desk, request, "admin")
        cursor = request.query_params.get("cursor", "")
        journalists = await desk.api(
            session, "GET", "/v1/journalists",
            params={"limit": "50", **({"cursor": cursor} if cursor else {})})
        outlets = await desk.api(session, "GET", "/v1/partners/outlets")
        names = {j["id"]: j["name"] for j in journalists["items"]}
        return page(request, "admin_partners.html", {
            "session": session, "csrf": session.csrf, "journalists": journalists["items"],
            "next_cursor": journalists["next_cursor"], "outlets": outlets, "names": names,
            "month": request.query_params.get("month", "")})

    @router.get("/mitra/bukti")
    async def proofs(request: Request, month: str = "") -> Response:
        """The month's proof-of-publication report, per outlet (the notifier's CSV)."""
        session = await signed_in_as(desk, request, "admin")
        if not MONTH.match(month):
            raise ApiRefusal(404, "not_found", "Bulan tidak valid (TTTT-BB).")
        return await passed_on(desk, session, f"/v1/partners/report/{month}.csv")

    return router
