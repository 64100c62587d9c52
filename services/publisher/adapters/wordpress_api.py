"""WordPress REST API calls: root discovery, Basic auth, answers mapped to the port, terms.

Errors are `{code, message, data.status}`; `message` is WordPress's own (in the site's language)
and is kept for the editors. See docs/channels/wordpress-rest.md.
"""

from __future__ import annotations

import asyncio
import html
import logging
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr
from slugify import slugify

from services.publisher.adapters.port import (
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    maybe_sent,
)
from shared.envelope import utcnow

NAMESPACE = "wp/v2"
# 401/403 codes an admin must fix (password revoked, role lacking a capability): not a retry.
log = logging.getLogger("warta.publisher.wordpress")

_AUTH_CODES = ("rest_forbidden", "rest_not_logged_in", "incorrect_password", "invalid_username",
               "invalid_email", "application_passwords_disabled")
# WordPress answers 500 when it refuses a file's type: no retry will change its mind.
_REFUSED_DESPITE_500 = ("rest_upload_sideload_error",)


def wordpress_error(status: int, body: Any, headers: httpx.Headers) -> ChannelError:
    body = body if isinstance(body, dict) else {}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    code = str(body.get("code") or status)
    message = str(body.get("message") or f"HTTP {status}")
    params = data.get("params")
    if isinstance(params, dict) and params:  # rest_invalid_param: which field, and why
        message = f"{message} ({'; '.join(str(v) for v in params.values())})"
    if (status == 401 or _anonymous(data)
            or (status == 403 and (code.startswith("rest_cannot") or code in _AUTH_CODES))):
        return ChannelAuthFailed(message, code=code)
    if code in _REFUSED_DESPITE_500:
        return ChannelRefused(message, code=code)
    if status == 429 or status >= 500:
        return ChannelUnavailable(message, code=code, retry_after=retry_after(headers))
    return ChannelRefused(message, code=code)


def _anonymous(data: dict[str, Any]) -> bool:
    """WordPress treats a wrong Application Password as no login: a query for non-public posts
    then fails its validation (400 rest_invalid_param) with a 401 inside `data.details`."""
    details = data.get("details")
    return isinstance(details, dict) and any(
        isinstance(d, dict) and isinstance(d.get("data"), dict)
        and d["data"].get("status") in (401, 403) for d in details.values())


def _acts(method: str, exc: httpx.TransportError) -> bool:
    return method.upper() not in {"GET", "HEAD"} and maybe_sent(exc)


def retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After in seconds or as an HTTP date (RFC 9110)."""
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


class WordPressApi:
    """One site's REST API; the root is discovered from the site's `Link` header once."""

    def __init__(self, http: httpx.AsyncClient, site_url: str, username: str,
                 app_password: SecretStr) -> None:
        self.http, self.site = http, site_url.rstrip("/")
        self.auth = httpx.BasicAuth(username, app_password.get_secret_value())
        self._root: str | None = None

    async def root(self) -> str:
        if self._root is None:
            answer = await self._send("HEAD", self.site + "/", {})
            link = answer.links.get("https://api.w.org/", {}).get("url")
            # Sites without pretty permalinks answer `…/?rest_route=/`.
            self._root = link or f"{self.site}/wp-json/"
        return self._root

    async def call(self, method: str, route: str, *, params: dict[str, Any] | None = None,
                   json: Any = None, content: bytes | None = None,
                   headers: dict[str, str] | None = None, seconds: float | None = None,
                   accept: tuple[int, ...] = ()) -> Any:
        """`route` like "posts/12"; statuses in `accept` are answers, not errors; `seconds`
        overrides the client's timeout (uploads)."""
        root = await self.root()
        query = dict(params or {})
        if "rest_route=" in root:
            url, query["rest_route"] = root.split("?", 1)[0], f"/{NAMESPACE}/{route}"
        else:
            url = f"{root.rstrip('/')}/{NAMESPACE}/{route}"
        extra: dict[str, Any] = {} if seconds is None else {"timeout": seconds}
        answer = await self._send(method, url, {"params": query, "json": json,
                                                "content": content, "headers": headers, **extra})
        try:
            body = answer.json()
        except ValueError:
            body = answer.text[:300]
        if answer.is_success or answer.status_code in accept:
            return body
        raise wordpress_error(answer.status_code, body, answer.headers)

    async def _send(self, method: str, url: str, options: dict[str, Any]) -> httpx.Response:
        try:
            return await self.http.request(method, url, auth=self.auth, **options)
        except httpx.TimeoutException as exc:
            # It may have been done: publish looks the post up by its slug before re-sending.
            raise ChannelUnavailable(f"WordPress: batas waktu habis ({type(exc).__name__})",
                                     code="timeout", maybe_posted=_acts(method, exc)) from None
        except httpx.TransportError as exc:
            raise ChannelUnavailable(f"WordPress tidak terjangkau ({type(exc).__name__})",
                                     code="network", maybe_posted=_acts(method, exc)) from None

    async def term_ids(self, taxonomy: str, names: list[str]) -> list[int]:
        """Ids of the named categories or tags, creating the missing ones once each: looked up
        by slug first; a create that loses a race answers term_exists with the existing id."""
        wanted = {slugify(name): name for name in names if name.strip()}
        if not wanted:
            return []
        found = await self.call("GET", taxonomy, params={
            "slug": ",".join(wanted), "per_page": 100, "_fields": "id,slug"})
        ids: dict[str, int] = {}
        for term in found:  # a slug two racing creates both took: the oldest term wins
            slug = str(term["slug"])
            ids[slug] = min(ids.get(slug, int(term["id"])), int(term["id"]))
        missing = [slug for slug in wanted if slug not in ids]
        created = await asyncio.gather(*(self._create_term(taxonomy, wanted[slug])
                                         for slug in missing))
        ids.update(zip(missing, created, strict=True))
        return [ids[slug] for slug in wanted]

    async def _create_term(self, taxonomy: str, name: str) -> int:
        # The name only: with a slug of ours, WordPress would make a second term of the same
        # name when an editor's term has another slug; without, it answers term_exists.
        answer = await self.call("POST", taxonomy, json={"name": name}, accept=(400,))
        if answer.get("code") == "term_exists":
            return int(answer["data"]["term_id"])
        if "id" not in answer:
            raise wordpress_error(400, answer, httpx.Headers())
        return await self._oldest_of_name(taxonomy, name, int(answer["id"]))

    async def _oldest_of_name(self, taxonomy: str, name: str, created: int) -> int:
        """WordPress checks for the name, then inserts: two creates at once (two publisher
        replicas, two articles with one new tag) can both succeed. Every creator then takes the
        oldest term of that name, so the posts agree, and removes its own younger one (it
        has no post yet: terms are resolved before the post is made)."""
        found = await self.call("GET", taxonomy, params={
            "search": name, "per_page": 100, "_fields": "id,name"})
        same = [int(t["id"]) for t in found
                if html.unescape(str(t["name"])).casefold() == name.casefold()]
        oldest = min([created, *same])
        if oldest != created:
            log.warning("duplicate WordPress term removed", extra={
                "taxonomy": taxonomy, "kept": oldest, "removed": created})
            await self.call("DELETE", f"{taxonomy}/{created}", params={"force": "true"},
                            accept=(404, 410))
        return oldest
