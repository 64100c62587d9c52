"""The console's one way to the services: their public HTTP APIs, through the front door."""

from __future__ import annotations

from typing import Any

import httpx

from services.console.domain import ApiRefusal

UNREACHABLE = "Layanan sedang tidak dapat dihubungi; coba lagi sebentar lagi."
NOT_FOUND = "Data yang diminta tidak ditemukan."


class Gateway:
    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http, self.base = http, base_url.rstrip("/")

    async def call(self, method: str, path: str, *, token: str | None = None,
                   json: Any = None, data: dict[str, str] | None = None,
                   params: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, forwarded_for: str | None = None
                   ) -> Any:
        if not _plain_path(path):
            raise ApiRefusal(404, "not_found", NOT_FOUND)
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
            raise refusal_of(answer)
        return answer.json() if answer.content else None


def refusal_of(answer: httpx.Response) -> ApiRefusal:
    """An API's JSON error as the console's refusal (an answer without one: unreachable)."""
    try:
        error = answer.json()["error"]
        return ApiRefusal(answer.status_code, str(error["code"]), str(error["message"]),
                          error.get("details"))
    except (ValueError, KeyError, TypeError):
        return ApiRefusal(answer.status_code, "unexpected", UNREACHABLE)


def _plain_path(path: str) -> bool:
    """A path the console built, with no part of the person's input able to change which
    route it reaches: an id decoded from `%3F`, `%23` or `..` would start a query, a fragment
    or climb to another route, sent with the person's token."""
    return not any(mark in path for mark in ("?", "#", "\\")) and not any(
        part in (".", "..") for part in path.split("/"))
