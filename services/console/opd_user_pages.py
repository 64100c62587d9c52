"""Admin pages of an OPD's pranata humas accounts (ingest's OPD users): create and disable; the
list is on the OPD's page."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console.admin_forms import opd_user_body, signed_in_as
from services.console.desk import Desk
from services.console.domain import ApiRefusal
from services.console.opd_admin_pages import HOME, detail, known, refused_status
from services.console.web import checked_form

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")


def build_router(desk: Desk) -> APIRouter:
    router = APIRouter(prefix=HOME, include_in_schema=False)

    @router.post("/{code}/pengguna")
    async def create(request: Request, code: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        form = await checked_form(request, session)
        body = opd_user_body(form)
        try:
            await desk.api(session, "POST", f"/v1/admin/opds/{known(code)}/users", json=body)
        except ApiRefusal as refusal:
            return await detail(desk, request, session, code, status=refused_status(refusal),
                                refusal=refusal, submitted=form, about="user")
        done = "pengguna" if "password" in body else "pengguna_tautan"
        return RedirectResponse(f"{HOME}/{code}?ok={done}#pengguna", status_code=303)

    @router.post("/{code}/pengguna/{username}/nonaktif")
    async def disable(request: Request, code: str, username: str) -> Response:
        session = await signed_in_as(desk, request, "admin")
        await checked_form(request, session)
        if not USERNAME.match(username):
            raise ApiRefusal(404, "not_found", f"Tidak ada akun {username}.")
        try:
            await desk.api(session, "DELETE", f"/v1/admin/opds/{known(code)}/users/{username}")
        except ApiRefusal as refusal:
            return await detail(desk, request, session, code, status=refused_status(refusal),
                                refusal=refusal, about="user")
        return RedirectResponse(f"{HOME}/{code}?ok=pengguna_nonaktif#pengguna", status_code=303)

    return router
