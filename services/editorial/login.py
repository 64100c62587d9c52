"""Editor login: argon2id verification off the event loop, failures rate-limited per account."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque

from services.editorial.repository import EditorRepository
from shared.auth import Principal, hash_password, verify_password
from shared.errors import ApiError

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


async def authenticate(editors: EditorRepository, guard: LoginGuard, username: str,
                       password: str) -> Principal:
    guard.check(username)
    account = await editors.get(username)
    stored = account["password_hash"] if account and account.get("active") else _DUMMY_HASH
    valid = await asyncio.to_thread(verify_password, password, stored)
    if not (valid and account and account.get("active")):
        guard.failed(username)
        raise ApiError(401, "invalid_credentials", "Wrong username or password.")
    return Principal(subject=username, role=account["role"], name=account.get("name", ""))
