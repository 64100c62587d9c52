"""The OPD-key dependency: `Authorization: Bearer wrt_<key_id>_<secret>` -> an `OpdPrincipal`.

The key is loaded by its id (a find by `_id`), compared in constant time, refused when revoked;
`last_used_at` is written at most once a minute per key so authentication stays one read. The
per-key rate limit applies here, so every OPD route (reports, attachments) shares one budget,
counted in the database so that it holds across instances (see `ratelimit`).
The full key is never logged; the key id is. An OPD user's access token (`opd_user_tokens`)
is taken too: its user is read on every request (disabled or reset: refused at once) and its
principal's key id is "user:<username>", with a rate-limit budget of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request

from services.ingest.opd_repository import KeyRecord, OpdRepository
from services.ingest.opd_user_repository import OpdUserRepository
from services.ingest.opd_user_tokens import decode_opd_token
from services.ingest.ratelimit import RateLimiter
from shared.auth import bearer_token, key_matches, split_api_key
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.events.common import OpdRef
from shared.settings import Settings

TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class OpdPrincipal:
    opd_id: str
    key_id: str
    opd: OpdRef


_INVALID = "The API key or OPD user token is missing, malformed, unknown or revoked."


class KeyCache:
    """Key records by id for `ttl` seconds, so most requests authenticate without a read.

    A revocation made through this process (admin API) applies at once; one made elsewhere (the
    console, another replica) within `ttl` (WARTA_KEY_CACHE_SECONDS) of being made. Unknown
    ids are not cached: a key created a moment ago works at once.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, repo: OpdRepository, ttl: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._repo, self._ttl, self._clock = repo, ttl, clock
        self._records: dict[str, tuple[KeyRecord, float]] = {}

    async def get(self, key_id: str) -> KeyRecord | None:
        cached = self._records.get(key_id)
        if cached is not None and self._clock() - cached[1] < self._ttl:
            return cached[0]
        # Aged from when the read began: what it returns may predate a revocation made while
        # it was under way, and `ttl` bounds how long a revocation takes from being made.
        began = self._clock()
        record = await self._repo.find_key(key_id)
        if record is not None:
            if len(self._records) >= self.MAX_ENTRIES:
                self._records.clear()
            self._records[key_id] = (record, began)
        return record

    def forget(self, key_id: str) -> None:
        self._records.pop(key_id, None)


@dataclass(frozen=True)
class UserTokens:
    """What checking an OPD user's access token needs."""

    settings: Settings
    users: OpdUserRepository

    async def principal(self, token: str) -> OpdPrincipal | None:
        claims = decode_opd_token(self.settings, token)
        if claims is None:
            return None
        user = await self.users.get(claims.username)
        if user is None or not user.active or user.password_version != claims.password_version:
            return None
        return OpdPrincipal(opd_id=user.opd_id, key_id=user.key_id, opd=user.opd)


def opd_principal_dependency(
    repo: OpdRepository, bucket: RateLimiter, keys: KeyCache | None = None,
    users: UserTokens | None = None,
) -> Callable[[Request], Coroutine[Any, Any, OpdPrincipal]]:
    """Build the FastAPI dependency once (in `main.py`) and share it between routers."""
    cache = keys or KeyCache(repo, ttl=0)
    touched: dict[str, float] = {}

    async def dependency(request: Request) -> OpdPrincipal:
        arrived_at = time.time()  # before any database call: a stall must not bunch requests
        token = bearer_token(request)
        parts = split_api_key(token)
        if parts is None:
            principal = await users.principal(token) if users is not None else None
            if principal is None:
                raise _unauthorized()
            await _limit(bucket, principal.key_id, arrived_at)
            return principal
        key_id, secret = parts
        record = await cache.get(key_id)
        if record is None or not key_matches(key_id, secret, record.key_hash) or not record.active:
            raise _unauthorized()
        await _limit(bucket, key_id, arrived_at)
        await _touch(repo, record.key_id, record.last_used_at, touched)
        return OpdPrincipal(opd_id=record.opd_id, key_id=record.key_id, opd=record.opd)

    return dependency


async def _limit(bucket: RateLimiter, key_id: str, arrived_at: float) -> None:
    wait = await bucket.acquire(key_id, arrived_at)
    if wait > 0:
        raise ApiError(429, "rate_limited", "Too many requests for this API key; slow down.",
                       {"retry_after_seconds": round(wait, 3)},
                       headers={"Retry-After": RateLimiter.retry_after_header(wait)})


async def _touch(repo: OpdRepository, key_id: str, last_used: Any,
                 touched: dict[str, float]) -> None:
    now_mono = time.monotonic()
    if now_mono - touched.get(key_id, -1e9) < TOUCH_INTERVAL.total_seconds():
        return
    touched[key_id] = now_mono
    now = utcnow()
    if last_used is None or now - last_used >= TOUCH_INTERVAL:
        await repo.touch_key(key_id, now)


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", _INVALID, headers={"WWW-Authenticate": "Bearer"})
