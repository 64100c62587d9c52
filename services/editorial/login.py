"""Editor login (argon2id off the event loop, failures limited in the database) and refresh.

Failures are counted per username and per client address in editorial's database, so the limit
holds across replicas (a counter in process memory let each replica allow its own five).
Every refresh re-checks that the account still exists and is active.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.editorial.account_repository import AccountRepository
from shared.auth import (
    SECOND_FACTOR_ROLES,
    Principal,
    decode_token,
    hash_password,
    verify_password,
)
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.login_failures import LoginFailures
from shared.settings import Settings

# Verifying against this keeps the timing of "no such user" close to "wrong password".
_DUMMY_HASH = hash_password("not-a-real-password-0000")


class LoginGuard:
    """At most `per_user` failed logins per account and `per_address` per client address
    within the failures' window."""

    def __init__(self, failures: LoginFailures, per_user: int = 5, per_address: int = 30
                 ) -> None:
        self.failures, self.per_user, self.per_address = failures, per_user, per_address

    async def check(self, username: str, address: str, kind: str = "user") -> list[str]:
        """Counts this attempt, then refuses it past the limit; the ids go to `succeeded`.
        kind "user" counts passwords, "totp" second-factor codes (apart, so a known password
        buys no more guesses at the code). Counting before checking is what holds against
        parallel guesses: each one sees the others'."""
        now = utcnow()
        keys = [f"{kind}:{username}", f"address:{address}"]
        ids = await self.failures.failed(keys, now)
        for key, limit in zip(keys, (self.per_user, self.per_address), strict=True):
            if await self.failures.recent([key], now) > limit:
                raise ApiError(429, "rate_limited", "Too many failed logins; wait and try "
                               "again.", headers={"Retry-After": str(
                                   await self._retry_after([key], now))})
        return ids

    async def succeeded(self, ids: list[str]) -> None:
        await self.failures.forgive(ids)

    async def _retry_after(self, keys: list[str], now: datetime) -> int:
        oldest = await self.failures.oldest(keys, now)
        window = self.failures.window.total_seconds()
        left = window - (now - oldest).total_seconds() if oldest else window
        return max(int(left) + 1, 1)


async def authenticate(accounts: AccountRepository, guard: LoginGuard, username: str,
                       password: str, address: str) -> Principal:
    attempt = await guard.check(username, address)
    account = await accounts.get(username, with_secret=True)
    stored = account["password_hash"] if account and account.get("active") else _DUMMY_HASH
    valid = await asyncio.to_thread(verify_password, password, stored)
    if not (valid and account and account.get("active")):
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    await guard.succeeded(attempt)
    return Principal(subject=username, role=account["role"], name=account.get("name", ""))


async def refreshed(settings: Settings, accounts: AccountRepository, refresh_token: str
                    ) -> Principal:
    """The principal a refresh token may get a new access token for, as the account is now."""
    claimed = decode_token(settings, refresh_token, kind="refresh")
    account = await accounts.get(claimed.subject)
    if account is None or not account.get("active"):
        raise ApiError(401, "account_disabled", "The account is disabled or gone; "
                       "ask an admin.", headers={"WWW-Authenticate": "Bearer"})
    if account["role"] in SECOND_FACTOR_ROLES and not claimed.second_factor:
        # Bought with the password alone (an editor since promoted, or issued before the
        # second factor was required): the role now needs the code, so sign in again.
        raise ApiError(401, "second_factor_required", "This account now needs its second "
                       "factor; sign in again.", headers={"WWW-Authenticate": "Bearer"})
    return Principal(subject=claimed.subject, role=account["role"],
                     name=account.get("name", ""), second_factor=claimed.second_factor)
