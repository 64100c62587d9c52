"""Admin pages of OPDs: the list, a new OPD, its contact and target, its API keys (a new key is
shown once, on a page reached by a redirect, so a reload neither repeats nor shows it)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.admin_forms import explained, opd_body, signed_in_as
from services.console.desk import Desk
from services.console.domain import ApiRefusal, Session, new_token
from services.console.handlers import now
from services.console.key_reveal import seal, unseal
from services.console.reveal_repository import RevealRepository
from services.console.web import PREFIX, checked_form, page, session_id_of
from shared.vocabulary import ZoneLabel

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
REVEAL_TTL = timedelta(minutes=10)
HOME = f"{PREFIX}/admin/opd"
NOTICES = {"disimpan": "Perubahan tersimpan.", "dicabut": "Kunci dicabut; API kini menolaknya.",
           "pengguna": "Akun pranata humas dibuat.",
           "pengguna_tautan": "Akun pranata humas dibuat; tautan untuk membuat kata sandi "
                              "dikirim ke emailnya (berlaku 72 jam).",
           "pengguna_nonaktif": "Akun pranata humas dinonaktifkan."}


ZONES = [z.value for z in ZoneLabel]


def known(code: str) -> str:
    if not CODE.match(code):
        raise ApiRefusal(404, "not_found", f"Tidak ada OPD berkode {code}.")
    return code


def refused_status(refusal: ApiRefusal) -> int:
    return refusal.status if refusal.status in (403, 404, 409, 422) else 503


async def listing(desk: Desk, request: Request, session: Session, *, status: int = 200,
                  refusal: ApiRefusal | None = None, submitted: dict[str, str] | None = None
                  ) -> Response:
    opds = await desk.api(session, "GET", "/v1/admin/opds")
    errors, error = explained(refusal) if refusal else ({}, None)
    return page(request, "admin_opds.html", {
        "session": session, "csrf": session.csrf, "opds": opds, "zones": ZONES,
        "errors": errors, "error": error, "submitted": submitted or {}}, status)


async def detail(desk: Desk, request: Request, session: Session, code: str, *,
                 status: int = 200, refusal: ApiRefusal | None = None,
                 submitted: dict[str, str] | None = None, about: str = "") -> Response:
    """about="user": the refusal is the user form's (its fields are prefixed `user_`)."""
    opd = await desk.api(session, "GET", f"/v1/admin/opds/{code}")
    keys = await desk.api(session, "GET", f"/v1/admin/opds/{code}/keys")
    users = await desk.api(session, "GET", f"/v1/admin/opds/{code}/users")
    errors, error = explained(refusal) if refusal else ({}, None)
    if about == "user":
        errors = {f"user_{name}": message for name, message in errors.items()}
    return page(request, "admin_opd.html", {
        "session": session, "csrf": session.csrf, "opd": opd, "keys": keys, "users": users,
        "zones": ZONES, "errors": errors, "error": error, "about": about,
        "submitted": submitted if submitted and about != "user" else opd,
        "user_submitted": submitted if about == "user" else {},
        "notice": NOTICES.get(request.query_params.get("ok", ""))}, status)


def build_router(desk: Desk, reveals: RevealRepository) -> APIRouter:
    router = APIRouter(prefix=HOME, include_in_schema=False)

    @router.get("", response_class=HTMLResponse)
    async def opds(request: Request) -> Response:
        return await listing(desk, request, await signed_in_as(desk, request, "admin"))

    @router.post("")
    async def create(request: Request) -> Response:
        session = await signed_in_as(desk, request, "admin")
        form = await checked_form(request, session)
        try:
            issued = await desk.api(session, "POST", "/v1/admin/opds",
                                    json=opd_body(form, new=True))
        except ApiRefusal as refusal:
            return await listing(desk, request, session, status=refused_status(refusal),
                                 refusal=refusal, submitted=form)
        return await revealed(desk, reveals, request, session, issued)

    @router.get("/{code}", response_class=HTMLResponse)
    async def opd(request: Request, code: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        return await detail(desk, request, session, known(code))

    @router.post("/{code}")
    async def change(request: Request, code: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        form = await checked_form(request, session)
        try:
            await desk.api(session, "PATCH", f"/v1/admin/opds/{known(code)}",
                           json=opd_body(form, new=False))
        except ApiRefusal as refusal:
            return await detail(desk, request, session, code, status=refused_status(refusal),
                                refusal=refusal, submitted=form)
        return RedirectResponse(f"{HOME}/{code}?ok=disimpan", status_code=303)

    _key_routes(router, desk, reveals)
    return router


async def revealed(desk: Desk, reveals: RevealRepository, request: Request, session: Session,
                   issued: dict[str, Any]) -> Response:
    """Keeps the new key sealed for its one showing, and sends the browser there."""
    reveal_id = new_token()
    session_id = session_id_of(request, desk.secret) or ""
    await reveals.keep({
        "_id": reveal_id, "session": session.id_hash, "code": issued["opd"]["code"],
        "key_id": issued["key_id"], "sealed": seal(issued["api_key"], session_id, reveal_id),
        "expires_at": now() + REVEAL_TTL})
    return RedirectResponse(f"{HOME}/{issued['opd']['code']}/kunci-baru/{reveal_id}",
                            status_code=303)


def _key_routes(router: APIRouter, desk: Desk, reveals: RevealRepository) -> None:
    @router.post("/{code}/kunci")
    async def rotate(request: Request, code: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        await checked_form(request, session)
        try:
            issued = await desk.api(session, "POST", f"/v1/admin/opds/{known(code)}/keys")
        except ApiRefusal as refusal:
            return await detail(desk, request, session, code, status=refused_status(refusal),
                                refusal=refusal)
        return await revealed(desk, reveals, request, session, issued)

    @router.post("/{code}/kunci/{key_id}/cabut")
    async def revoke(request: Request, code: str, key_id: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        await checked_form(request, session)
        if not KEY_ID.match(key_id):
            raise ApiRefusal(404, "not_found", "Kunci itu tidak ada.")
        try:
            await desk.api(session, "DELETE", f"/v1/admin/opds/{known(code)}/keys/{key_id}")
        except ApiRefusal as refusal:
            return await detail(desk, request, session, code, status=refused_status(refusal),
                                refusal=refusal)
        return RedirectResponse(f"{HOME}/{code}?ok=dicabut", status_code=303)

    @router.get("/{code}/kunci-baru/{reveal_id}", response_class=HTMLResponse)
    async def new_key(request: Request, code: str, reveal_id: str) -> Response:
        """The key's one showing; the answer is never stored (Cache-Control: no-store)."""
        session = await signed_in_as(desk, request, "admin")
        found = await reveals.take(reveal_id, session.id_hash, known(code), now())
        api_key = None
        if found is not None:
            api_key = unseal(found["sealed"], session_id_of(request, desk.secret) or "",
                             reveal_id)
        response = page(request, "admin_key.html", {
            "session": session, "csrf": session.csrf, "code": code, "api_key": api_key,
            "key_id": found["key_id"] if found else None}, 200 if api_key else 410)
        response.headers["Cache-Control"] = "no-store"
        return response
