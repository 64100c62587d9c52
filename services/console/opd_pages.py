"""The OPD's sign-in pages: signing in with an ingest OPD account, out, the password reset."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.domain import ApiRefusal
from services.console.opd_desk import OpdDesk, OpdSignInRequired
from services.console.web import (
    PREFIX,
    SESSION_COOKIE,
    checked_form,
    client_address,
    form_token,
    page,
    remember_form_token,
    set_session_cookie,
)

OPD = f"{PREFIX}/opd"
TOO_MANY = "Terlalu banyak percobaan. Tunggu sebentar, lalu coba lagi."
WRONG_PASSWORD = "Nama pengguna atau kata sandi salah."  # noqa: S105 - a message
BAD_LINK = "Tautan ini tidak berlaku lagi (sudah dipakai atau kedaluwarsa). Minta tautan baru."
TOO_SHORT = "Kata sandi minimal 10 karakter."
NOT_SAME = "Kedua kata sandi tidak sama."
NOTICES = {"keluar": "Anda sudah keluar.",
           "sandi": "Kata sandi baru tersimpan. Silakan masuk dengan kata sandi itu."}


def refusal_message(refusal: ApiRefusal) -> str:
    if refusal.status == 401:
        return WRONG_PASSWORD
    if refusal.status == 429:
        return TOO_MANY
    return refusal.message


def install(app: FastAPI) -> None:
    async def to_sign_in(request: Request, _: Exception) -> Response:
        if request.headers.get("accept", "").startswith("application/json"):
            return Response(status_code=401, headers={"Location": f"{OPD}/masuk"})
        return RedirectResponse(f"{OPD}/masuk", status_code=303)

    app.add_exception_handler(OpdSignInRequired, to_sign_in)


def public_page(request: Request, name: str, status: int = 200, **context: object
                ) -> HTMLResponse:
    """A page before signing in: its CSRF token is the form cookie's."""
    token = form_token(request)
    response = page(request, name, {"session": None, "csrf": token, **context}, status)
    remember_form_token(response, request, token)
    return response


def build_router(desk: OpdDesk) -> APIRouter:
    router = APIRouter(prefix=OPD, include_in_schema=False)
    max_age = int(desk.sign_in.ttl.total_seconds())
    _reset_routes(router, desk)

    @router.get("/masuk", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        if await desk.current(request):
            return RedirectResponse(f"{OPD}/laporan", status_code=303)
        notice = NOTICES.get(request.query_params.get("ok", ""))
        return public_page(request, "opd_login.html", notice=notice)

    @router.post("/masuk")
    async def login(request: Request) -> Response:
        form = await checked_form(request, None)
        username = form.get("username", "").strip()
        try:
            session_id, _ = await desk.password(username, form.get("password", ""),
                                                client_address(request))
        except ApiRefusal as refusal:
            status = refusal.status if refusal.status in (401, 422, 429) else 503
            if refusal.status == 422:
                status, refusal = 401, ApiRefusal(401, "invalid_credentials", WRONG_PASSWORD)
            return public_page(request, "opd_login.html", status, username=username,
                               error=refusal_message(refusal))
        response = RedirectResponse(f"{OPD}/laporan", status_code=303)
        set_session_cookie(response, request, session_id, desk.secret, max_age)
        return response

    @router.post("/keluar")
    async def logout(request: Request) -> Response:
        session = await desk.current(request)
        if session is not None:
            await checked_form(request, session)
            await desk.sign_out(session)
        response = RedirectResponse(f"{OPD}/masuk?ok=keluar", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    return router


def _reset_routes(router: APIRouter, desk: OpdDesk) -> None:
    """The password reset: the emailed link (valid 72 h) opens /sandi/{token}."""

    @router.get("/lupa-sandi", response_class=HTMLResponse)
    async def forgot_form(request: Request) -> Response:
        return public_page(request, "opd_forgot.html")

    @router.post("/lupa-sandi")
    async def forgot(request: Request) -> Response:
        form = await checked_form(request, None)
        email = form.get("email", "").strip()
        if "@" not in email or len(email) > 254:
            return public_page(request, "opd_forgot.html", 422, email=email,
                               error="Isi alamat surel akun Anda.")
        try:
            await desk.reset(email, client_address(request))
        except ApiRefusal as refusal:
            status = refusal.status if refusal.status in (422, 429) else 503
            message = "Periksa alamat surel Anda." if status == 422 else refusal_message(refusal)
            return public_page(request, "opd_forgot.html", status, email=email, error=message)
        return public_page(request, "opd_forgot.html", sent=True)

    @router.get("/sandi/{token}", response_class=HTMLResponse)
    async def new_password_form(request: Request, token: str) -> Response:
        return public_page(request, "opd_password.html", token=token[:200])

    @router.post("/sandi/{token}")
    async def new_password(request: Request, token: str) -> Response:
        form = await checked_form(request, None)
        password, again = form.get("password", ""), form.get("again", "")
        errors = {}
        if len(password) < 10:
            errors["password"] = TOO_SHORT
        elif password != again:
            errors["again"] = NOT_SAME
        if not errors:
            try:
                await desk.confirm(token[:200], password, client_address(request))
            except ApiRefusal as refusal:
                if refusal.status == 400:
                    errors["token"] = BAD_LINK
                elif refusal.status == 422:
                    errors["password"] = TOO_SHORT
                else:
                    errors["password"] = refusal_message(refusal)
        if errors:
            status = 400 if "token" in errors else 422
            return public_page(request, "opd_password.html", status, token=token[:200],
                               errors=errors)
        return RedirectResponse(f"{OPD}/masuk?ok=sandi", status_code=303)
