"""Editorial's projection of each channel's health (the publisher's `channel.health_changed`),
for the desk's banner and the warnings at approval."""

from __future__ import annotations

from collections.abc import Sequence

from shared.envelope import Envelope, to_millis, utcnow
from shared.events import parse_data
from shared.events.channels import ChannelHealthChangedV1
from shared.mongo import Database, Document, DuplicateKeyError, update_one


class ChannelHealthView:
    """The newest known health of each channel, by channel name (`_id`)."""

    def __init__(self, db: Database) -> None:
        self.collection = db["channel_health"]

    async def apply(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ChannelHealthChangedV1)
        await self.record(data, envelope.id)

    async def record(self, change: ChannelHealthChangedV1, event_id: str) -> bool:
        """One conditional upsert, newest check wins: an older change arriving late (another
        partition's order, a replay) or a redelivery changes nothing. Ties on the check's time
        go to the later event id (UUIDv7, time-ordered). True if stored."""
        at = to_millis(change.checked_at)  # as the database keeps it, so a replay compares equal
        older = {"$or": [{"checked_at": {"$lt": at}},
                         {"checked_at": at, "event_id": {"$lt": event_id}}]}
        fields: Document = {
            "health": change.health, "previous": change.previous, "reason": change.reason,
            "account": change.account, "checked_at": at, "event_id": event_id,
            "received_at": utcnow()}
        try:
            await update_one(self.collection, {"_id": change.channel, **older},
                             {"$set": fields}, upsert=True)
        except DuplicateKeyError:
            return False  # the stored state is this change or a newer one
        return True

    async def all(self) -> list[Document]:
        return [doc async for doc in self.collection.find({}).sort("_id", 1).limit(100)]

    async def of(self, channels: Sequence[str]) -> dict[str, Document]:
        found = self.collection.find({"_id": {"$in": list(channels)}})
        return {str(doc["_id"]): doc async for doc in found}
