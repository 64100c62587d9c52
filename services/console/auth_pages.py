"""Sign-in pages: the password form, the TOTP step (with enrolment), signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.domain import ApiRefusal, Session, Stage
from services.console.handlers import SignIn, TooManyAttempts, WrongCode
from services.console.web import (
    PREFIX,
    SESSION_COOKIE,
    checked_form,
    client_address,
    form_token,
    page,
    remember_form_token,
    session_id_of,
    set_session_cookie,
)

TOO_MANY = "Terlalu banyak percobaan gagal. Tunggu 15 menit, lalu coba lagi."
WRONG_PASSWORD = "Nama pengguna atau kata sandi salah."  # noqa: S105 - a message
WRONG_CODE = "Kode tidak cocok atau sudah dipakai. Masukkan kode terbaru dari aplikasi Anda."


def build_router(sign_in: SignIn) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    secret = sign_in.settings.console_session_secret.get_secret_value()
    max_age = int(sign_in.ttl.total_seconds())

    async def session_of(request: Request) -> Session | None:
        return await sign_in.current(session_id_of(request, secret))

    def login_page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
        token = form_token(request)
        response = page(request, "login.html", {"session": None, "csrf": token, **context},
                        status)
        remember_form_token(response, request, token)
        return response

    @router.get("")
    @router.get("/")
    async def home(request: Request) -> Response:
        session = await session_of(request)
        target = "antrean" if session and session.signed_in else "masuk"
        return RedirectResponse(f"{PREFIX}/{target}", status_code=303)

    @router.get("/masuk", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        return login_page(request)

    @router.post("/masuk")
    async def login(request: Request) -> Response:
        form = await checked_form(request, None)
        username = form.get("username", "").strip()
        try:
            session_id, session = await sign_in.password(
                username, form.get("password", ""), client_address(request))
        except TooManyAttempts:
            return login_page(request, 429, username=username, error=TOO_MANY)
        except ApiRefusal as refusal:
            message = WRONG_PASSWORD if refusal.status == 401 else refusal.message
            if refusal.status == 429:
                message = TOO_MANY
            status = refusal.status if refusal.status in (401, 422, 429) else 503
            return login_page(request, status, username=username, error=message)
        target = "antrean" if session.signed_in else "verifikasi"
        response = RedirectResponse(f"{PREFIX}/{target}", status_code=303)
        set_session_cookie(response, request, session_id, secret, max_age)
        return response

    async def totp_page(request: Request, session: Session, status: int = 200,
                        error: str | None = None) -> Response:
        enrolment = await sign_in.enrolment(session) if session.stage == Stage.ENROL else None
        return page(request, "totp.html", {"session": None, "csrf": session.csrf,
                                           "enrolment": enrolment, "error": error}, status)

    @router.get("/verifikasi")
    async def totp_form(request: Request) -> Response:
        session = await session_of(request)
        if session is None:
            return RedirectResponse(f"{PREFIX}/masuk", status_code=303)
        if session.signed_in:
            return RedirectResponse(f"{PREFIX}/antrean", status_code=303)
        return await totp_page(request, session)

    @router.post("/verifikasi")
    async def totp(request: Request) -> Response:
        session = await session_of(request)
        if session is None:
            return RedirectResponse(f"{PREFIX}/masuk", status_code=303)
        form = await checked_form(request, session)
        try:
            await sign_in.second_factor(session, form.get("code", ""), client_address(request))
        except TooManyAttempts:
            return await totp_page(request, session, 429, TOO_MANY)
        except WrongCode:
            return await totp_page(request, session, 401, WRONG_CODE)
        return RedirectResponse(f"{PREFIX}/antrean", status_code=303)

    @router.post("/keluar")
    async def logout(request: Request) -> Response:
        session = await session_of(request)
        if session is not None:
            await checked_form(request, session)
            await sign_in.sign_out(session)
        response = RedirectResponse(f"{PREFIX}/masuk", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    return router
