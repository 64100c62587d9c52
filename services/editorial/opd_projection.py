"""Editorial's projection of every OPD (from ingest's `opd.registered` / `opd.changed`), so the
compliance view knows the OPDs that never reported, their zone, contact and monthly target."""

from __future__ import annotations

from shared.envelope import Envelope
from shared.events import parse_data
from shared.events.opds import OpdStateV1
from shared.mongo import ASCENDING, Database, Document, DuplicateKeyError, update_one


class OpdDirectory:
    """The newest known state of each OPD, by OPD id (`_id`)."""

    def __init__(self, db: Database) -> None:
        self.collection = db["opds"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("code", ASCENDING)])

    async def apply(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, OpdStateV1)
        await self.record(data)

    async def record(self, state: OpdStateV1) -> None:
        """One conditional upsert: an older or repeated state (a redelivery) changes nothing."""
        try:
            await update_one(
                self.collection,
                {"_id": state.opd_id, "opd_version": {"$lt": state.opd_version}},
                {"$set": state.model_dump(exclude={"opd_id"})}, upsert=True)
        except DuplicateKeyError:
            return  # the stored state is this version or newer: the upsert's insert collided

    async def all(self, limit: int = 2000) -> list[Document]:
        found = self.collection.find({}).sort("code", ASCENDING).limit(limit)
        return [doc async for doc in found]
