"""Meta Graph API calls shared by the Facebook and Instagram adapters: auth, usage, error mapping.

Branch on Graph's `code`/`error_subcode`, never on the message or the HTTP status (the Handling
Errors guide); see docs/channels/facebook-graph-pages.md for the table this follows.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from services.publisher.adapters.port import (
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    maybe_sent,
)

AUTH_CODES = frozenset({190, 102, 10}) | frozenset(range(200, 300))  # reconnect, don't retry
# 368 "temporarily blocked" (posting too fast): wait long.
THROTTLE_SECONDS = {4: 300.0, 17: 300.0, 32: 900.0, 613: 300.0, 341: 300.0, 368: 900.0,
                    80001: 900.0}
TRANSIENT_CODES = frozenset({1, 2, -1, -2})
USAGE_PAUSE = 90    # percent of any usage figure: back off before Meta throttles
GONE_SUBCODE = 33   # "Object ... does not exist": already deleted
BY_SUBCODE: dict[tuple[int, int], tuple[type[ChannelError], float | None]] = {
    (9, 2207042): (ChannelUnavailable, 3600.0),  # IG daily publishing limit: wait the window
    (4, 2207051): (ChannelRefused, None),  # IG "we restrict certain activity": retry worsens it
}


def _usage_percent(headers: httpx.Headers) -> tuple[int, float]:
    """Highest percent in X-App-Usage / X-Page-Usage / X-Business-Use-Case-Usage, and the
    estimated seconds to regain access (BUC, given in minutes)."""
    highest, regain = 0, 0.0
    for name in ("x-app-usage", "x-page-usage", "x-business-use-case-usage"):
        raw = headers.get(name)
        if not raw:
            continue  # absent = 0 %
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        entries = [data] if name != "x-business-use-case-usage" else [
            e for items in data.values() for e in items]
        for entry in entries:
            for key in ("call_count", "total_cputime", "total_time"):
                highest = max(highest, int(entry.get(key, 0) or 0))
            regain = max(regain, 60.0 * float(entry.get("estimated_time_to_regain_access", 0)
                                              or 0))
    return highest, regain


def _classify(code: int, subcode: int, status: int, transient: bool, regain: float
              ) -> tuple[type[ChannelError], float | None]:
    """What the queue should do with a Graph error, and how long to wait (seconds)."""
    if code in AUTH_CODES:
        return ChannelAuthFailed, None
    if (code, subcode) in BY_SUBCODE:
        return BY_SUBCODE[code, subcode]
    if code in THROTTLE_SECONDS or 80001 <= code <= 80014:
        return ChannelUnavailable, regain or THROTTLE_SECONDS.get(code, 900.0)
    if code in TRANSIENT_CODES or transient or status >= 500:
        return ChannelUnavailable, None
    return ChannelRefused, None


def graph_error(status: int, body: Any, regain: float) -> ChannelError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = f"HTTP {status}"
        return ChannelUnavailable(text) if status >= 500 or status == 429 else ChannelRefused(text)
    code, subcode = int(error.get("code", 0) or 0), int(error.get("error_subcode") or 0)
    message = str(error.get("error_user_msg") or error.get("message") or f"HTTP {status}")
    tag = str(code) + (f"/{subcode}" if subcode else "")
    kind, wait = _classify(code, subcode, status, error.get("is_transient") is True, regain)
    if kind is ChannelUnavailable:
        return ChannelUnavailable(message, code=tag, retry_after=wait)
    return kind(message, code=tag)


def is_gone(exc: ChannelError) -> bool:
    return isinstance(exc, ChannelRefused) and exc.code == f"100/{GONE_SUBCODE}"


def _acts(method: str, exc: httpx.TransportError) -> bool:
    return method.upper() not in {"GET", "HEAD"} and maybe_sent(exc)


class GraphClient:
    """One account's Graph calls. Remembers the last usage figures it saw, only to back off
    early (a throttle hint, never needed for correctness)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: SecretStr,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http, self.base = http, base_url.rstrip("/")
        self.token, self.clock = token, clock
        self._paused_until = 0.0

    async def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   data: Mapping[str, Any] | None = None, files: Any = None,
                   url: str | None = None) -> dict[str, Any]:
        if method != "GET" and self.clock() < self._paused_until:
            raise ChannelUnavailable("Graph API usage above 90%: backing off", code="usage",
                                     retry_after=self._paused_until - self.clock())
        headers = {"Authorization": f"Bearer {self.token.get_secret_value()}"}
        try:
            answer = await self.http.request(method, url or f"{self.base}{path}", params=params,
                                             data=data, files=files, headers=headers)
        except httpx.TimeoutException as exc:
            raise ChannelUnavailable(f"Graph API timed out: {exc!r}", code="timeout",
                                     maybe_posted=_acts(method, exc)) from exc
        except httpx.TransportError as exc:
            raise ChannelUnavailable(f"Graph API unreachable: {exc!r}", code="network",
                                     maybe_posted=_acts(method, exc)) from exc
        percent, regain = _usage_percent(answer.headers)
        if percent >= USAGE_PAUSE:
            self._paused_until = self.clock() + max(regain, 60.0)
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise graph_error(answer.status_code, body, regain)
        if not isinstance(body, dict):
            raise ChannelUnavailable(f"Graph API answered HTTP {answer.status_code} without JSON")
        return body

    async def pages(self, path: str, params: Mapping[str, Any], max_pages: int
                    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page of an edge listing, following `paging.next`; at most `max_pages`."""
        body = await self.call("GET", path, params=params)
        for _ in range(max_pages):
            yield list(body.get("data", []))
            following = (body.get("paging") or {}).get("next")
            if not following:
                return
            body = await self.call("GET", path, url=str(following))
        raise ListingTooLong(path)


class ListingTooLong(Exception):
    """More pages than a lookup may read: the caller cannot tell whether it saw everything."""
