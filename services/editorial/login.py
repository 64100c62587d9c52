"""Editor login (argon2id off the event loop, failures rate-limited) and token refresh.

Every refresh re-checks that the account still exists and is active.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque

from services.editorial.account_repository import AccountRepository
from shared.auth import Principal, decode_token, hash_password, verify_password
from shared.errors import ApiError
from shared.settings import Settings

# Verifying against this keeps the timing of "no such user" close to "wrong password".
_DUMMY_HASH = hash_password("not-a-real-password-0000")


class LoginGuard:
    """At most `limit` failed logins per account per `window` seconds (in process)."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def check(self, username: str) -> None:
        recent = self._recent(username)
        if len(recent) >= self.limit:
            retry = int(self.window - (time.monotonic() - recent[0])) + 1
            raise ApiError(429, "rate_limited", "Too many failed logins; wait and try again.",
                           headers={"Retry-After": str(retry)})

    def failed(self, username: str) -> None:
        self._recent(username).append(time.monotonic())

    def _recent(self, username: str) -> deque[float]:
        recent = self._failures[username]
        while recent and time.monotonic() - recent[0] > self.window:
            recent.popleft()
        return recent


async def authenticate(accounts: AccountRepository, guard: LoginGuard, username: str,
                       password: str) -> Principal:
    guard.check(username)
    account = await accounts.get(username, with_secret=True)
    stored = account["password_hash"] if account and account.get("active") else _DUMMY_HASH
    valid = await asyncio.to_thread(verify_password, password, stored)
    if not (valid and account and account.get("active")):
        guard.failed(username)
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    return Principal(subject=username, role=account["role"], name=account.get("name", ""))


async def refreshed(settings: Settings, accounts: AccountRepository, refresh_token: str
                    ) -> Principal:
    """The principal a refresh token may get a new access token for, as the account is now."""
    claimed = decode_token(settings, refresh_token, kind="refresh")
    account = await accounts.get(claimed.subject)
    if account is None or not account.get("active"):
        raise ApiError(401, "account_disabled", "The account is disabled or gone; "
                       "ask an admin.", headers={"WWW-Authenticate": "Bearer"})
    return Principal(subject=claimed.subject, role=account["role"],
                     name=account.get("name", ""))
