"""Accounts for tests: what the account stream would have told each service, written directly.

Tests that mint tokens (`issue_token`) need the token's subject to be a known, active account
in the service under test; `tests/integration/conftest.py` records the usual test subjects.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pyotp

from services.editorial.account_handlers import AccountExists, Accounts, NewAccount
from services.editorial.account_repository import AccountRepository
from shared.accounts import AccountProjection
from shared.envelope import utcnow
from shared.events.accounts import AccountStateV1
from shared.mongo import MongoHandle
from shared.settings import Settings

PROJECTING = ("ingest", "publisher", "notifier")


async def record_accounts(settings: Settings, accounts: dict[str, str], *,
                          active: bool = True, version: int = 1,
                          services: tuple[str, ...] = PROJECTING) -> None:
    """Put `username -> role` into each service's account projection."""
    for service in services:
        mongo = MongoHandle(settings, service)
        try:
            projection = AccountProjection(mongo.db)
            for username, role in accounts.items():
                await projection.record(AccountStateV1(
                    username=username, name=username.title(), role=role,  # type: ignore[arg-type]
                    email=f"{username}@diskominfo.example", active=active,
                    account_version=version, changed_at=utcnow(), changed_by="test"))
        finally:
            mongo.close()


async def create_editor(settings: Settings, *, username: str, name: str, role: str,
                        password: str, email: str | None = None) -> bool:
    """An editorial account made by editorial's own use case (its event goes out with the
    service's outbox relay); False if the username is taken."""
    mongo = MongoHandle(settings, "editorial")
    try:
        accounts = Accounts(AccountRepository(mongo.db), relay=_later)
        new = NewAccount(username, name, email or f"{username}@diskominfo.example", role,
                         password)
        try:
            await accounts.create(new, "test")
        except AccountExists:
            return False
        return True
    finally:
        mongo.close()


async def sign_in(client: httpx.AsyncClient, username: str, password: str
                  ) -> dict[str, Any]:
    """An editorial token pair: the password, then (chief editors and admins) editorial's
    second factor, enrolled on the way when editorial asks for it."""
    answer = await client.post("/v1/auth/token",
                               data={"username": username, "password": password})
    if answer.status_code == 200:
        pair: dict[str, Any] = answer.json()
        return pair
    assert answer.status_code == 403, answer.text
    details = answer.json()["error"]["details"]
    mfa = details["mfa_token"]
    if not details["enrolled"]:
        enrolled = await client.post("/v1/auth/totp/enrol",
                                     headers={"Authorization": f"Bearer {mfa}"})
        assert enrolled.status_code == 200, enrolled.text
        SECRETS[username] = enrolled.json()["secret"]
    assert username in SECRETS, f"{username} was enrolled elsewhere: its secret is unknown"
    verified = await client.post("/v1/auth/totp/verify", json={
        "mfa_token": mfa, "otp": await fresh_code(SECRETS[username])})
    assert verified.status_code == 200, verified.text
    pair = verified.json()
    return pair


SECRETS: dict[str, str] = {}  # username -> the TOTP secret this test process enrolled
_LAST_STEP: dict[str, int] = {}  # secret -> the last time step a code was made for


async def fresh_code(secret: str) -> str:
    """A code for a time step not used yet: editorial accepts each step once, and the next
    one as clock drift; past both, wait for the next step."""
    totp = pyotp.TOTP(secret)
    while True:
        step = int(time.time()) // totp.interval
        for candidate in (step, step + 1):
            if candidate > _LAST_STEP.get(secret, -1):
                _LAST_STEP[secret] = candidate
                return totp.generate_otp(candidate)
        await asyncio.sleep(totp.interval - time.time() % totp.interval + 0.2)


async def _later(_: str) -> int:
    return 0  # editorial's relay publishes it when the service runs
