"""Editorial's unified audit view: every service's records, one document each, by record id."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from shared.envelope import Envelope
from shared.events.audit import AuditRecordedV1
from shared.mongo import ASCENDING, Database, Document, IndexModel, insert_new

ORDER = [("at", ASCENDING), ("_id", ASCENDING)]


class BadCursor(ValueError):
    """The cursor was not issued by this view."""


@dataclass(frozen=True)
class AuditFilters:
    article_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Document:
        query: Document = {}
        if self.article_id:
            query["article_id"] = self.article_id
        if self.actor:
            query["actor"] = self.actor
        span: Document = {}
        if self.since:
            span["$gte"] = self.since
        if self.until:
            span["$lt"] = self.until
        if span:
            query["at"] = span
        return query


class AuditView:
    def __init__(self, db: Database) -> None:
        self.collection = db["audit"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([
            IndexModel([("article_id", ASCENDING), ("at", ASCENDING)], name="article_at"),
            IndexModel([("actor", ASCENDING), ("at", ASCENDING)], name="actor_at"),
            IndexModel([("at", ASCENDING), ("_id", ASCENDING)], name="at")])

    async def recorded(self, envelope: Envelope) -> None:
        """Idempotent: the record id is the document id, so a redelivery inserts nothing."""
        record = AuditRecordedV1.model_validate(envelope.data, extra="ignore")
        await insert_new(self.collection, [{"_id": record.record_id, "event_id": envelope.id,
                                            **record.model_dump()}])

    async def page(self, filters: AuditFilters, cursor: str | None, limit: int
                   ) -> tuple[list[AuditRecordedV1], str | None]:
        query = filters.query()
        if cursor:
            at, last = _decode(cursor)
            query = {"$and": [query, {"$or": [{"at": {"$gt": at}},
                                              {"at": at, "_id": {"$gt": last}}]}]}
        docs = await self.collection.find(query).sort(ORDER).limit(limit + 1).to_list(limit + 1)
        records = [AuditRecordedV1.model_validate(d, extra="ignore") for d in docs[:limit]]
        more = len(docs) > limit
        return records, (_encode(records[-1]) if more and records else None)


def _encode(record: AuditRecordedV1) -> str:
    raw = json.dumps([record.at.isoformat(), record.record_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        at, last = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), str(last)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadCursor(cursor) from exc
