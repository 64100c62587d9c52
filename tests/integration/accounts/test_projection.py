"""A service's account projection keeps each account's newest state, whatever the order."""

from __future__ import annotations

from shared.accounts import AccountProjection
from shared.auth import Account
from shared.envelope import utcnow
from shared.events.accounts import AccountStateV1
from shared.mongo import MongoHandle
from shared.settings import Settings


def state(version: int, *, active: bool, role: str = "editor") -> AccountStateV1:
    return AccountStateV1(username="rina", name="Rina", email="rina@diskominfo.example",
                          role=role, active=active, account_version=version,  # type: ignore[arg-type]
                          changed_at=utcnow(), changed_by="kepala")


async def test_older_and_repeated_states_change_nothing(settings: Settings) -> None:
    mongo = MongoHandle(settings, "publisher")
    try:
        projection = AccountProjection(mongo.db)
        assert await projection.account("rina") is None
        await projection.record(state(2, active=False))
        await projection.record(state(1, active=True, role="admin"))  # late, older
        await projection.record(state(2, active=False))  # redelivered
        assert await projection.account("rina") == Account("rina", "editor", active=False)
        await projection.record(state(3, active=True, role="chief_editor"))
        assert await projection.account("rina") == Account("rina", "chief_editor", active=True)
    finally:
        mongo.close()
