"""Public sign-up routes (JSON API and an HTML form without inline script or style) and the
admin's export, erasure and re-confirmation routes. Errors are Indonesian JSON on the API."""

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from services.notifier import signup_tokens as tokens
from services.notifier.consent_texts import CONSENT_TEXTS
from services.notifier.emails import render_page
from services.notifier.preferences_api import known_regions
from services.notifier.signup_handlers import CHALLENGE_TTL, Origin, SignupRefused, Signups
from services.notifier.signup_schemas import (
    ChallengeOut,
    ConfirmedOut,
    SignupIn,
    SignupOut,
    WhatsAppCodeIn,
)
from shared.audit import client_address, trusted_set
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.openapi import editor_jwt, html_responses, page_or_json_responses, route_errors
from shared.settings import Settings

CSRF_COOKIE = "warta_signup_csrf"
PAGE_HEADERS = {
    "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff", "Content-Security-Policy": (
        "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")}
PAGES = {**html_responses(200, 404), **route_errors()}
Token = Annotated[str, Path(min_length=1, max_length=600)]
FORM_LABELS = {"name": "Nama lengkap", "outlet": "Media", "email": "Email",
               "whatsapp": "Nomor WhatsApp", "telegram": "Nama pengguna Telegram",
               "consents": "Persetujuan", "regions": "Wilayah",
               "challenge_answer": "Jawaban pertanyaan", "challenge_token": "Pertanyaan"}
MAX_FORM_FIELDS = 100  # the form's own fields and up to MAX_REGIONS region boxes
SENT = "Periksa email Anda dan buka tautan konfirmasi. Bila Anda mengisi nomor WhatsApp, " \
       "masukkan kode yang kami kirim ke WhatsApp."


def client_origin(request: Request, trusted: frozenset[str]) -> Origin:
    """The client as the front door saw it (the same rule as the audit trail's)."""
    return Origin(ip=client_address(request, trusted),
                  user_agent=request.headers.get("user-agent", "")[:300])


def _refused(exc: SignupRefused) -> ApiError:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return ApiError(exc.status, exc.code, exc.message, exc.details, headers)


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render_page(f"signup/{template}", **context), status_code=status,
                        headers=PAGE_HEADERS)


def build_signup_router(settings: Settings, signups: Signups) -> APIRouter:
    router = APIRouter(prefix="/v1/signup", tags=["signup"])
    trusted = trusted_set(settings.trusted_proxies)
    secure = settings.public_base_url.startswith("https://")

    @router.get("/challenge", response_model=ChallengeOut, responses=route_errors())
    async def challenge() -> ChallengeOut:
        made = signups.challenge()
        return ChallengeOut(question=made.question, token=made.token,
                            expires_at=utcnow() + CHALLENGE_TTL)

    @router.post("", status_code=202, response_model=SignupOut,
                 responses=route_errors(422, 429, body=True))
    async def sign_up(body: SignupIn, request: Request) -> SignupOut:
        try:
            whatsapp = await signups.sign_up(body, client_origin(request, trusted))
        except SignupRefused as exc:
            raise _refused(exc) from exc
        return SignupOut(message=SENT, whatsapp_token=whatsapp)

    @router.post("/whatsapp", response_model=ConfirmedOut,
                 responses=route_errors(404, 422, 429, body=True))
    async def confirm_whatsapp(body: WhatsAppCodeIn, request: Request) -> ConfirmedOut:
        try:
            await signups.confirm_whatsapp(body.token, body.code,
                                           client_origin(request, trusted))
        except SignupRefused as exc:
            raise _refused(exc) from exc
        return ConfirmedOut(channel="whatsapp", message="Nomor WhatsApp Anda terkonfirmasi.")

    @router.post("/whatsapp/form", response_class=Response, responses=PAGES)
    async def whatsapp_form(request: Request) -> HTMLResponse:
        """The code form of the result page: the signed token is its CSRF protection."""
        raw = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
        token, code = raw.get("token", [""])[0], raw.get("code", [""])[0]
        try:
            await signups.confirm_whatsapp(token, code.strip(), client_origin(request, trusted))
        except SignupRefused as exc:
            return _page("page.html", exc.status, title="Konfirmasi gagal", message=exc.message,
                         confirm_action=None, whatsapp_token=token if exc.status == 422 else None)
        return _page("page.html", title="Terkonfirmasi", confirm_action=None, whatsapp_token=None,
                     message="Nomor WhatsApp Anda terkonfirmasi.")

    @router.get("/confirm/{token}", response_class=Response, responses=PAGES)
    async def confirm_page(token: Token) -> HTMLResponse:
        """A page with a button: mail scanners open links, only a person presses it."""
        return _page("page.html", title="Konfirmasi pendaftaran", confirm_action=(
            f"/v1/signup/confirm/{token}"), whatsapp_token=None,
            message="Tekan tombol di bawah untuk mengonfirmasi alamat email Anda.")

    @router.post("/confirm/{token}", response_class=Response, responses={
        **route_errors(), **page_or_json_responses(200, model=ConfirmedOut),
        **page_or_json_responses(404, 409, 422, 429)})
    async def confirm(token: Token, request: Request) -> Response:
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            await signups.confirm_email(token, client_origin(request, trusted))
        except SignupRefused as exc:
            if wants_json:
                raise _refused(exc) from exc
            return _page("page.html", exc.status, title="Konfirmasi gagal", message=exc.message,
                         confirm_action=None, whatsapp_token=None)
        done = "Alamat email Anda terkonfirmasi. Terima kasih."
        if wants_json:
            return JSONResponse(ConfirmedOut(channel="email", message=done).model_dump())
        return _page("page.html", title="Terkonfirmasi", message=done, confirm_action=None,
                     whatsapp_token=None)

    @router.get("", response_class=Response, responses=PAGES)
    async def form() -> HTMLResponse:
        return await _form(signups, None, 200, secure)

    @router.post("/form", response_class=Response, responses={
        **route_errors(), **html_responses(200, 403, 404, 409, 422, 429)})
    async def submit_form(request: Request) -> HTMLResponse:
        fields = _form_fields(await request.body())
        if fields is None:
            return await _form(signups, "Formulir tidak dikenali; silakan isi ulang.", 422,
                               secure)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        try:
            claims = tokens.verify(signups.keys, tokens.CSRF, fields.pop("csrf_token", ""),
                                   utcnow())
            if not cookie or claims.subject != cookie:
                raise tokens.BadToken("cookie")
        except tokens.BadToken:
            return await _form(signups, "Formulir kedaluwarsa; silakan isi ulang.", 403, secure)
        try:
            data = SignupIn.model_validate({k: v for k, v in fields.items() if v})
            whatsapp = await signups.sign_up(data, client_origin(request, trusted))
        except ValidationError as exc:
            return await _form(signups, form_problems(exc), 422, secure)
        except SignupRefused as exc:
            return await _form(signups, exc.message, exc.status, secure)
        return _page("page.html", title="Periksa email Anda", message=SENT,
                     confirm_action=None, whatsapp_token=whatsapp)

    return router


def form_problems(exc: ValidationError) -> str:
    """Which fields of the form to fix, in Indonesian: our validators' own (Indonesian)
    message where there is one, the field's name otherwise."""
    parts: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = FORM_LABELS.get(field, field)
        cause = (error.get("ctx") or {}).get("error")
        parts.setdefault(label, f"{label} ({cause})" if error["type"] == "value_error"
                         and cause else label)
    return "Periksa isian: " + "; ".join(parts.values()) + "."


def _form_fields(body: bytes) -> dict[str, Any] | None:
    """The posted form: one value per field, a list for the check boxes; None when it holds
    more fields than the form has."""
    try:
        raw = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        return None
    lists = {k: raw.pop(k, []) for k in ("consents", "regions")}
    return {**{k: v[0] for k, v in raw.items()}, **lists}


async def _form(signups: Signups, error: str | None, status: int, secure: bool
                ) -> HTMLResponse:
    regions = await known_regions(signups.repository.db)
    made = signups.challenge()
    nonce = tokens.new_nonce()
    csrf = tokens.sign(signups.keys[0], tokens.CSRF, nonce, utcnow() + timedelta(hours=2))
    response = _page("form.html", status, error=error, csrf_token=csrf,
                     challenge_token=made.token, question=made.question,
                     consents=list(CONSENT_TEXTS.items()), regions=regions)
    response.set_cookie(CSRF_COOKIE, nonce, max_age=7200, httponly=True, samesite="strict",
                        secure=secure, path="/v1/signup")
    return response


def build_admin_router(settings: Settings, signups: Signups) -> APIRouter:
    router = APIRouter(prefix="/v1/journalists", tags=["notifier"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]
    JournalistId = Annotated[str, Path(max_length=64)]  # noqa: N806

    @router.get("/{journalist_id}/export", dependencies=[editor_jwt("admin")],
                responses=route_errors(404, role="admin"))
    async def export(journalist_id: JournalistId, _: admin) -> dict[str, Any]:
        data = await signups.export(journalist_id)
        if data is None:
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return data

    @router.delete("/{journalist_id}", status_code=204, response_class=Response,
                   dependencies=[editor_jwt("admin")], responses=route_errors(404, role="admin"))
    async def erase(journalist_id: JournalistId, _: admin) -> Response:
        if not await signups.erase(journalist_id):
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return Response(status_code=204)

    @router.post("/reconfirm", dependencies=[editor_jwt("admin")],
                 responses=route_errors(role="admin"))
    async def reconfirm(_: admin) -> dict[str, int]:
        """Asks each journalist registered before consent records, once, to confirm."""
        return {"asked": await signups.ask_existing_to_confirm()}

    return router
