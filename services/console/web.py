"""The console's HTTP plumbing: templates, cookies, CSRF, the security headers on every answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.console.domain import ApiRefusal, Session, new_token, same_token, sign, unsign
from shared.audit import client_address as audit_client_address
from shared.vocabulary import DATE_AND_TIME, DEFAULT_ZONE, format_local

PREFIX = "/console"
SESSION_COOKIE = "warta_sesi"
FORM_COOKIE = "warta_formulir"  # the double-submit token of forms shown before signing in
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
STATUS_LABELS = {
    "submitted": "Masuk", "in_review": "Ditinjau", "revision_requested": "Perlu revisi",
    "rejected": "Ditolak", "approved": "Disetujui", "scheduled": "Terjadwal",
    "published": "Terbit", "corrected": "Dikoreksi", "taken_down": "Diturunkan",
    "withdrawn": "Ditarik"}
ROLE_LABELS = {"editor": "Redaktur", "chief_editor": "Redaktur Pelaksana", "admin": "Admin"}

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _local(moment: datetime | str | None, timezone: str = DEFAULT_ZONE) -> str:
    if not moment:
        return ""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return format_local(when, timezone, DATE_AND_TIME)


templates.env.filters["waktu"] = _local
templates.env.globals.update(STATUS=STATUS_LABELS, ROLES=ROLE_LABELS, PREFIX=PREFIX)


class SignInRequired(Exception):
    """No signed-in session: the page sends the person to the sign-in form."""


class FormRefused(Exception):
    """A form POST without the right CSRF token."""


def page(request: Request, name: str, context: dict[str, Any], status: int = 200
         ) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, session_id: str, secret: str,
                       max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, sign(session_id, secret), max_age=max_age,
                        path=PREFIX, httponly=True, samesite="lax", secure=secure(request))


def session_id_of(request: Request, secret: str) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return unsign(cookie, secret) if cookie else None


def form_token(request: Request) -> str:
    """The pre-sign-in form token: the cookie's, or a new one (`remember_form_token` sets it)."""
    return request.cookies.get(FORM_COOKIE) or new_token()


def remember_form_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(FORM_COOKIE, token, path=PREFIX, httponly=True, samesite="lax",
                        secure=secure(request))


async def checked_form(request: Request, session: Session | None) -> dict[str, str]:
    """The POSTed fields, once its CSRF token matches the session's (or the form cookie's)."""
    form = await request.form()
    expected = session.csrf if session else request.cookies.get(FORM_COOKIE)
    given = form.get("csrf")
    if not same_token(given if isinstance(given, str) else None, expected):
        raise FormRefused
    return {key: value for key, value in form.items() if isinstance(value, str)}


def client_address(request: Request) -> str:
    """The person's address: behind the front door the peer is nginx, whose forwarded header
    names the browser (a limit per peer would lock every office out at once)."""
    trusted: frozenset[str] = getattr(request.app.state, "trusted_proxies", frozenset())
    return audit_client_address(request, trusted)


def install(app: FastAPI, trusted_proxies: frozenset[str]) -> None:
    app.state.trusted_proxies = trusted_proxies
    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.url.path.startswith(PREFIX) and "/static/" not in request.url.path:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _: SignInRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": f"{PREFIX}/masuk"})
        return RedirectResponse(f"{PREFIX}/masuk", status_code=303)

    @app.exception_handler(ApiRefusal)
    async def unavailable(request: Request, refusal: ApiRefusal) -> Response:
        """An API refusal no page handled itself (the service down, an unknown article)."""
        status = refusal.status if refusal.status in (403, 404, 409, 422) else 503
        return page(request, "missing.html", {"session": None, "message": refusal.message},
                    status=status)

    @app.exception_handler(FormRefused)
    async def refused(request: Request, _: FormRefused) -> Response:
        return page(request, "refused.html", {"session": None}, status=403)
