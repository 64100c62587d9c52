"""Meta's long-lived token renewals: Facebook's fb_exchange_token, Instagram's ig_refresh_token.

The contract and which login model each adapter follows: docs/channels/sandbox-graph.md
("Tokens"). Both answer `{"access_token", "token_type": "bearer", "expires_in"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import SecretStr

from services.publisher.adapters.graph_api import graph_error
from services.publisher.adapters.port import ChannelRefused, ChannelUnavailable

LONG_LIVED = timedelta(days=60)  # "generally lasts about 60 days" when expires_in is absent
YOUNG_TOKEN_LIFE = timedelta(days=59)  # a refused refresh of a valid token: under 24 h old
_VERSION_TAIL = re.compile(r"/v\d+\.\d+/*$")


@dataclass(frozen=True)
class Renewed:
    token: SecretStr
    expires_at: datetime


def due(expires_at: datetime | None, window: timedelta, now: datetime) -> bool:
    """Renew now: the expiry is unknown (learn it) or within the window."""
    return expires_at is None or expires_at - now <= window


def unversioned(base_url: str) -> str:
    """`https://graph.instagram.com/v24.0` -> `https://graph.instagram.com` (the refresh
    endpoint has no version in Meta's reference)."""
    return _VERSION_TAIL.sub("", base_url.rstrip("/"))


async def _token_call(http: httpx.AsyncClient, url: str, params: Mapping[str, str],
                      now: datetime) -> Renewed:
    try:  # GET with the secrets in the query, as documented (httpx's URL log is silenced)
        answer = await http.get(url, params=params)
    except httpx.HTTPError as exc:
        raise ChannelUnavailable(f"Graph token renewal: {type(exc).__name__}",
                                 code="refresh_network") from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    if (answer.status_code >= 400 or not isinstance(body, dict) or "error" in body
            or not body.get("access_token")):
        raise graph_error(answer.status_code, body, 0.0)
    expires_in = body.get("expires_in")
    life = timedelta(seconds=int(expires_in)) if expires_in else LONG_LIVED  # documented: 60 d
    return Renewed(SecretStr(str(body["access_token"])), now + life)


async def exchange_facebook(http: httpx.AsyncClient, base_url: str, *, app_id: str,
                            app_secret: SecretStr, token: SecretStr, now: datetime) -> Renewed:
    """A (short- or long-lived) User token -> a long-lived User token (about 60 days)."""
    return await _token_call(http, f"{base_url.rstrip('/')}/oauth/access_token", {
        "grant_type": "fb_exchange_token", "client_id": app_id,
        "client_secret": app_secret.get_secret_value(),
        "fb_exchange_token": token.get_secret_value()}, now)


async def refresh_instagram(http: httpx.AsyncClient, base_url: str, *, token: SecretStr,
                            now: datetime) -> Renewed:
    """A long-lived Instagram User token at least 24 h old and unexpired -> 60 more days."""
    return await _token_call(http, f"{unversioned(base_url)}/refresh_access_token", {
        "grant_type": "ig_refresh_token", "access_token": token.get_secret_value()}, now)


async def renew_instagram(http: httpx.AsyncClient, base_url: str, *, token: SecretStr,
                          expires_at: datetime | None, now: datetime, app_id: str | None = None,
                          app_secret: SecretStr | None = None) -> Renewed:
    """The Instagram adapter's renewal. With an app id and secret the account uses "Instagram
    API with Facebook Login" (a Facebook User token: fb_exchange_token); without, "with
    Instagram Login" (ig_refresh_token)."""
    if app_id and app_secret:
        return await exchange_facebook(http, base_url, app_id=app_id, app_secret=app_secret,
                                       token=token, now=now)
    try:
        return await refresh_instagram(http, base_url, token=token, now=now)
    except ChannelRefused as exc:
        # Only Meta's "invalid parameter" refusal (code 100) means "too young to refresh"; a
        # wrong host (404) or an answer without a token must not silence renewal for 59 days.
        if expires_at is not None or str(exc.code).split("/")[0] != "100":
            raise
        # Expiry unknown and a valid token refused (an invalid one is 190, ChannelAuthFailed):
        # Meta refreshes only tokens at least 24 h old, so this one has 59 days or more left.
        return Renewed(token, now + YOUNG_TOKEN_LIFE)
