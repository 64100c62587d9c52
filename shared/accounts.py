"""A service's projection of editorial's accounts, fed by the account stream.

Services never call each other, so each one keeps who may present a token here in its own
database; `shared.auth.require_role` reads it on every request, so an `account.disabled` event
takes effect as soon as it is applied. Several replicas share the projection.
"""

from __future__ import annotations

from shared import topics
from shared.auth import Account
from shared.consumer import subscribe
from shared.envelope import Envelope
from shared.events import parse_data
from shared.events.accounts import (
    ACCOUNT_CREATED,
    ACCOUNT_DISABLED,
    ACCOUNT_UPDATED,
    AccountStateV1,
)
from shared.kafka import EventBus
from shared.mongo import Database, DuplicateKeyError, update_one


class AccountProjection:
    """The newest known state of each account, by username (`_id`)."""

    def __init__(self, db: Database) -> None:
        self.collection = db["accounts"]

    async def account(self, username: str) -> Account | None:
        doc = await self.collection.find_one({"_id": username}, {"role": 1, "active": 1})
        if doc is None:
            return None
        return Account(username=username, role=str(doc["role"]), active=bool(doc["active"]))

    async def apply(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, AccountStateV1)
        await self.record(data)

    async def record(self, state: AccountStateV1) -> None:
        """One conditional upsert: an older or repeated state (a redelivery) changes nothing."""
        fields = state.model_dump(exclude={"username"})
        try:
            await update_one(
                self.collection,
                {"_id": state.username, "account_version": {"$lt": state.account_version}},
                {"$set": fields}, upsert=True)
        except DuplicateKeyError:
            return  # the stored state is this version or newer: the upsert's insert collided


def subscribe_accounts(bus: EventBus, service: str, projection: AccountProjection) -> None:
    """`service`'s consumer group on the account stream, feeding its projection."""
    subscribe(bus, topics.ACCOUNTS, service, {
        ACCOUNT_CREATED: projection.apply,
        ACCOUNT_UPDATED: projection.apply,
        ACCOUNT_DISABLED: projection.apply,
    })
