"""The OPD's use cases: signing in with an ingest OPD account, its reports, photos, resets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import Request

from services.console.domain import OPD_ROLE, ApiRefusal, Session, Stage, id_hash, new_token
from services.console.gateway import UNREACHABLE, Gateway, refusal_of
from services.console.handlers import SignIn, now
from services.console.web import session_id_of
from shared.vocabulary import zone_of

UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=5.0)  # a phone's photo on a slow uplink
KEY_REUSED = ("Laporan dengan kunci ini sudah terkirim dengan isi lain. Buka daftar laporan "
              "untuk melihatnya, atau buat laporan baru.")
INVALID_STATE = "Laporan dengan status ini tidak dapat diubah atau ditarik lagi."


class OpdSignInRequired(Exception):
    """No OPD session (or its ingest token is no longer accepted): to the OPD sign-in form."""


class OpdDesk:
    def __init__(self, sign_in: SignIn, gateway: Gateway) -> None:
        self.sign_in, self.gateway, self.sessions = sign_in, gateway, sign_in.sessions
        self.secret = sign_in.settings.console_session_secret.get_secret_value()

    async def password(self, username: str, password: str, address: str) -> tuple[str, Session]:
        """A new session id (for the cookie); ingest counts failures and answers 401/429."""
        token = await self.gateway.call("POST", "/v1/opd-auth/token", forwarded_for=address,
                                        json={"username": username, "password": password})
        expires = now() + timedelta(seconds=int(token["expires_in"]))
        session_id = new_token()
        session = Session(
            id_hash=id_hash(session_id), username=str(token["username"]), role=OPD_ROLE,
            name=str(token.get("name") or token["username"]), stage=Stage.SIGNED_IN,
            csrf=new_token(), access_token=str(token["access_token"]), refresh_token="",
            access_expires=expires, expires_at=min(expires, now() + self.sign_in.ttl),
            opd_code=str(token.get("opd_code") or ""), opd_name=str(token.get("opd_name") or ""),
            timezone=zone_label(str(token.get("opd_timezone") or "")))
        await self.sessions.add(session)
        return session_id, session

    async def current(self, request: Request) -> Session | None:
        session = await self.sign_in.current_any(session_id_of(request, self.secret))
        return session if session is not None and session.role == OPD_ROLE else None

    async def session(self, request: Request) -> Session:
        session = await self.current(request)
        if session is None:
            raise OpdSignInRequired
        return session

    async def api(self, session: Session, method: str, path: str, **options: Any) -> Any:
        try:
            return await self.gateway.call(method, path, token=session.access_token, **options)
        except ApiRefusal as refusal:
            await self._expired(session, refusal)
            raise

    async def upload(self, session: Session, name: str, data: bytes, content_type: str
                     ) -> dict[str, Any]:
        """One photo to ingest's POST /v1/attachments (the same file again: the same id)."""
        try:
            answer = await self.gateway.http.post(
                f"{self.gateway.base}/v1/attachments", timeout=UPLOAD_TIMEOUT,
                files={"file": (name or "foto", data, content_type or "application/octet-stream")},
                headers={"Authorization": f"Bearer {session.access_token}"})
        except httpx.HTTPError as exc:
            raise ApiRefusal(503, "unreachable", UNREACHABLE) from exc
        if answer.status_code >= 400:
            refusal = refusal_of(answer)
            await self._expired(session, refusal)
            raise refusal
        found: dict[str, Any] = answer.json()
        return found

    async def _expired(self, session: Session, refusal: ApiRefusal) -> None:
        if refusal.status == 401:  # expired, disabled or reset: the session ends with it
            await self.sessions.remove(session.id_hash)
            raise OpdSignInRequired from refusal

    async def reset(self, email: str, address: str) -> None:
        await self.gateway.call("POST", "/v1/opd-auth/password-reset", json={"email": email},
                                forwarded_for=address)

    async def confirm(self, token: str, password: str, address: str) -> None:
        await self.gateway.call("POST", "/v1/opd-auth/password-reset/confirm",
                                json={"token": token, "password": password},
                                forwarded_for=address)

    async def sign_out(self, session: Session) -> None:
        await self.sessions.remove(session.id_hash)


def path_of(report_id: str) -> str:
    return f"/v1/reports/{quote(report_id[:64], safe='')}"


def applied(report: dict[str, Any], kind: str) -> bool:
    """Whether the latest request of that kind took effect at once (else it waits)."""
    mine = [r for r in report.get("requests", []) if r.get("kind") == kind]
    return not mine or mine[-1].get("state") == "applied"


def said(refusal: ApiRefusal) -> str:
    """ingest's refusal in Indonesian (its own Indonesian messages pass as they are)."""
    if refusal.code == "idempotency_key_reused":
        return KEY_REUSED
    if refusal.code == "invalid_state":
        return INVALID_STATE
    if refusal.status == 422 and refusal.fields:
        return "Periksa isian yang ditandai."
    if refusal.code == "not_found":
        return "Laporan tidak ditemukan."
    return refusal.message


def zone_label(timezone: str) -> str:
    """The OPD's IANA zone as the form's WIB/WITA/WIT ("" when unknown: the form's default)."""
    return zone_of(timezone)[1] if timezone else ""
