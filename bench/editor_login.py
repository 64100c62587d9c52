"""The benchmark's editor: the first admin (bootstrap), logged in at editorial like anyone else.

Kept in one place because accounts and tokens change: tokens are issued only for an existing,
active account, live minutes, and the other services honour them once the account event
reached them (until then they answer 401 `account_unknown`).
"""

from __future__ import annotations

import asyncio
import secrets
import time

import httpx

from shared.settings import Settings
from tests.accounts import sign_in
from warta_cli.admin import create_first_admin

USERNAME = "bench-redaktur"


class EditorSession:
    """`await session.headers()`: a bearer header, logged in again before the token expires."""

    def __init__(self, editorial_url: str, username: str, password: str, ttl: float) -> None:
        self._url, self._username, self._password = editorial_url, username, password
        self._renew_after = ttl / 2
        self._token, self._at = "", 0.0

    async def headers(self) -> dict[str, str]:
        if time.monotonic() - self._at > self._renew_after:
            async with httpx.AsyncClient(base_url=self._url, timeout=30) as client:
                pair = await sign_in(client, self._username, self._password)  # an admin: TOTP
            self._token, self._at = pair["access_token"], time.monotonic()
        return {"Authorization": f"Bearer {self._token}"}


async def editor_session(settings: Settings, editorial_url: str) -> EditorSession:
    """Bootstrap the admin (the one direct write `warta admin create` makes) and log in."""
    password = secrets.token_urlsafe(18)
    await create_first_admin(settings, username=USERNAME, name="Redaktur Bench",
                             email="redaktur@bench.example", password=password)
    session = EditorSession(editorial_url, USERNAME, password, settings.jwt_ttl_seconds)
    await session.headers()
    return session


async def until_honoured(client: httpx.AsyncClient, url: str, session: EditorSession,
                         patience: float = 30.0) -> None:
    """Wait until another service knows the account (its token is honoured there)."""
    deadline = time.monotonic() + patience
    while True:
        response = await client.get(url, headers=await session.headers())
        if response.status_code == 200:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} still refuses the editor: {response.status_code} "
                               f"{response.text[:200]}")
        await asyncio.sleep(0.3)
