"""The console's one way to the services: their public HTTP APIs, through the front door."""

from __future__ import annotations

from typing import Any

import httpx

from services.console.domain import ApiRefusal

UNREACHABLE = "Layanan sedang tidak dapat dihubungi; coba lagi sebentar lagi."


class Gateway:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http, self.base = http, base_url.rstrip("/")

    async def call(self, method: str, path: str, *, token: str | None = None,
                   json: Any = None, data: dict[str, str] | None = None,
                   params: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, forwarded_for: str | None = None
                   ) -> Any:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if forwarded_for:  # editorial's own login limits then see the person, not the console
            sent["X-Forwarded-For"] = forwarded_for
        try:
            answer = await self.http.request(method, self.base + path, json=json, data=data,
                                             params=params, headers=sent)
        except httpx.HTTPError as exc:
            raise ApiRefusal(503, "unreachable", UNREACHABLE) from exc
        if answer.status_code >= 400:
            raise _refusal(answer)
        return answer.json() if answer.content else None


def _refusal(answer: httpx.Response) -> ApiRefusal:
    try:
        error = answer.json()["error"]
        return ApiRefusal(answer.status_code, str(error["code"]), str(error["message"]),
                          error.get("details"))
    except (ValueError, KeyError, TypeError):
        return ApiRefusal(answer.status_code, "unexpected", UNREACHABLE)
