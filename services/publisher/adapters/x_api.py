"""X API v2 calls as one user (OAuth 2.0 user context): refresh before expiry or once on 401,
persist every rotated token, and map X's answers to the port. See docs/channels/x-api-v2.md."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, SecretStr

from services.publisher.adapters.port import (
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    maybe_sent,
)

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the 2-hour expiry
DUPLICATE = "duplicate content"
# 403 types that mean the app or the account must be fixed by an admin, not the post.
_AUTH_TYPES = ("unsupported-authentication", "oauth1-permissions", "client-not-enrolled",
               "not-authorized-for-resource")


class Credentials(BaseModel):
    client_id: str
    client_secret: SecretStr | None = None  # confidential clients authenticate the refresh
    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: datetime | None = None  # of the access token; None = unknown, refresh first
    user_id: str | None = None
    username: str | None = None
    api_base_url: str = "https://api.x.com"
    public_url_base: str = "https://x.com"


def _detail(body: Any, status: int) -> tuple[str, str]:
    if not isinstance(body, dict):
        return f"HTTP {status}", ""
    errors = body.get("errors") or []
    first = errors[0].get("message") if errors and isinstance(errors[0], dict) else None
    text = str(first or body.get("detail") or body.get("title") or f"HTTP {status}")
    return text, str(body.get("type") or "")


def x_error(answer: httpx.Response) -> ChannelError:
    try:
        body = answer.json()
    except ValueError:
        body = None
    status = answer.status_code
    detail, kind = _detail(body, status)
    code = str(status)
    if status == 429:
        return ChannelUnavailable(detail, code=code, retry_after=retry_after(answer.headers))
    if status >= 500:
        return ChannelUnavailable(detail, code=code)
    if status == 401 or (status == 403 and any(t in kind for t in _AUTH_TYPES)):
        return ChannelAuthFailed(detail, code=code)
    return ChannelRefused(detail, code=code)


def _acts(method: str, exc: httpx.TransportError) -> bool:
    return method.upper() not in {"GET", "HEAD"} and maybe_sent(exc)


def retry_after(headers: httpx.Headers) -> float | None:
    """X sends no Retry-After: wait until `x-rate-limit-reset` (unix seconds), or the 24-hour
    reset when that budget is the one spent."""
    resets = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        remaining, reset = headers.get(f"{prefix}-remaining"), headers.get(f"{prefix}-reset")
        if reset and reset.isdigit() and (remaining is None or remaining == "0"):
            resets.append(int(reset))
    return max(1.0, max(resets) - time.time()) if resets else None


class XClient:
    def __init__(self, http: httpx.AsyncClient, credentials: Credentials,
                 save: Callable[[BaseModel], Awaitable[None]]) -> None:
        self.http, self.credentials, self.save = http, credentials, save
        self.base = credentials.api_base_url.rstrip("/")

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request as the user; a 401 refreshes the token once and repeats once."""
        if self._expiring():
            await self.refresh()
        answer = await self._send(method, path, **kwargs)
        if answer.status_code == 401:
            await self.refresh()
            answer = await self._send(method, path, **kwargs)
        if answer.status_code >= 400:
            raise x_error(answer)
        return answer.json() if answer.content else {}

    def _expiring(self) -> bool:
        expires = self.credentials.expires_at
        return expires is None or expires - datetime.now(UTC) < REFRESH_MARGIN

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.credentials.access_token.get_secret_value()}"}
        try:
            return await self.http.request(method, f"{self.base}{path}", headers=headers,
                                           **kwargs)
        except httpx.TimeoutException as exc:
            raise ChannelUnavailable(f"X {method} {path}: batas waktu habis", code="timeout",
                                     maybe_posted=_acts(method, exc)) from None
        except httpx.TransportError as exc:
            raise ChannelUnavailable(f"X {method} {path}: tidak terjangkau "
                                     f"({type(exc).__name__})", code="network",
                                     maybe_posted=_acts(method, exc)) from None

    async def refresh(self) -> None:
        """grant_type=refresh_token. X rotates the refresh token: the old one is dead the moment
        X answers, so the new pair is saved before anything else uses it."""
        creds = self.credentials
        form = {"grant_type": "refresh_token", "client_id": creds.client_id,
                "refresh_token": creds.refresh_token.get_secret_value()}
        extra: dict[str, Any] = {}
        if creds.client_secret:  # a confidential client: HTTP Basic with its secret
            extra["auth"] = httpx.BasicAuth(creds.client_id,
                                            creds.client_secret.get_secret_value())
        try:
            answer = await self.http.post(f"{self.base}/2/oauth2/token", data=form, **extra)
        except httpx.HTTPError as exc:
            raise ChannelUnavailable(f"X token refresh: {type(exc).__name__}",
                                     code="refresh_network") from None
        if answer.status_code >= 500 or answer.status_code == 429:
            raise x_error(answer)
        body = answer.json() if answer.content else {}
        if answer.status_code != 200 or "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or answer.status_code
            raise ChannelAuthFailed(f"X menolak pembaruan token ({reason}); hubungkan ulang "
                                    "akun X.", code="refresh_refused")
        self.credentials = creds.model_copy(update={
            "access_token": SecretStr(body["access_token"]),
            "refresh_token": SecretStr(body.get("refresh_token")
                                       or creds.refresh_token.get_secret_value()),
            "expires_at": datetime.now(UTC) + timedelta(seconds=int(body["expires_in"]))})
        await self.save(self.credentials)
