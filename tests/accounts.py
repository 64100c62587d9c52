"""Accounts for tests: what the account stream would have told each service, written directly.

Tests that mint tokens (`issue_token`) need the token's subject to be a known, active account
in the service under test; `tests/integration/conftest.py` records the usual test subjects.
"""

from __future__ import annotations

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


async def _later(_: str) -> int:
    return 0  # editorial's relay publishes it when the service runs
