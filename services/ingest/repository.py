"""Reports and idempotency records in ingest's database (documents built next to the queries).

A report is one document, `_id` = report id (UUIDv7, so `_id` order is submission order). Every
change is one conditional update on `_id` + `version` carrying its event in the embedded outbox,
so the state change and the event are written together or not at all.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from shared.envelope import Envelope, utcnow
from shared.idempotency import APPLIED_FIELD
from shared.mongo import DESCENDING, Database, Document, DuplicateKeyError, update_one
from shared.outbox import OUTBOX_FIELD, outbox_field, versioned_change

_HIDDEN = {OUTBOX_FIELD: 0, APPLIED_FIELD: 0, "revisions": 0}


class CursorInvalid(ValueError):
    """The pagination cursor was not issued by this service."""


def encode_cursor(report_id: str) -> str:
    return base64.urlsafe_b64encode(report_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorInvalid(cursor) from exc
    if not raw or len(raw) > 64 or not all(c.isalnum() or c == "-" for c in raw):
        raise CursorInvalid(cursor)
    return raw


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self.collection = db["reports"]

    async def ensure_indexes(self) -> None:
        # Used by MongoDB in production; FerretDB v1 scans anyway (measured), which is fine here.
        await self.collection.create_index([("opd_id", 1), ("_id", DESCENDING)])
        await self.collection.create_index([("opd_id", 1), ("publish_at", 1)])
        await self.collection.create_index(
            [("opd_id", 1), ("content.press_invitation.starts_at", 1)])

    async def add(self, document: Document, events: list[Envelope]) -> bool:
        """Insert a new report with its first events; False if this `_id` already exists."""
        try:
            await self.collection.insert_one({**document, OUTBOX_FIELD: outbox_field(events)})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, report_id: str) -> Document | None:
        return await self.collection.find_one({"_id": report_id}, _HIDDEN)

    async def get_full(self, report_id: str) -> Document | None:
        """With the ids of applied events, for the status projection."""
        return await self.collection.find_one({"_id": report_id}, {OUTBOX_FIELD: 0, "revisions": 0})

    async def page(
        self, opd_id: str, *, status: str | None, after: datetime | None,
        before: datetime | None, cursor: str | None, limit: int,
    ) -> list[Document]:
        query: dict[str, Any] = {"opd_id": opd_id}
        if status:
            query["status"] = status
        window: dict[str, datetime] = {}
        if after:
            window["$gte"] = after
        if before:
            window["$lt"] = before
        if window:
            query["submitted_at"] = window
        if cursor:
            query["_id"] = {"$lt": cursor}
        found = self.collection.find(query, _HIDDEN).sort("_id", DESCENDING).limit(limit)
        return [doc async for doc in found]

    async def agenda(self, opd_id: str, first: datetime, last: datetime) -> list[Document]:
        """The OPD's scheduled publications and press invitations within [first, last)."""
        span = {"$gte": first, "$lt": last}
        found = self.collection.find({"opd_id": opd_id, "$or": [
            {"status": "scheduled", "publish_at": span},
            {"content.press_invitation.starts_at": span}]}, _HIDDEN)
        return [doc async for doc in found.limit(1000)]

    async def change(
        self, report_id: str, expected_version: int, fields: dict[str, Any], *,
        events: list[Envelope] | None = None, revision: Document | None = None,
        applied_event: str | None = None,
    ) -> bool:
        """Apply one change if nobody changed the report since `expected_version`."""
        query, update = versioned_change(
            report_id, expected_version, fields, events=events or (),
            push={"revisions": revision} if revision is not None else None,
            applied_event=applied_event)
        result = await update_one(self.collection, query, update)
        return result.modified_count == 1


class IdempotencyStore:
    """`_id` = "<opd_id>:<key>": the unique `_id` makes one of two concurrent claims lose."""

    def __init__(self, db: Database) -> None:
        self.collection = db["idempotency_keys"]

    async def claim(self, opd_id: str, key: str, body_hash: str, report_id: str,
                    report: Document) -> Document | None:
        """Record the first use of a key with the report it answers (replayed as it was then);
        returns the existing record if the key was used."""
        record = {"_id": f"{opd_id}:{key}", "body_hash": body_hash, "report_id": report_id,
                  "report": report, "created_at": utcnow()}
        try:
            await self.collection.insert_one(record)
        except DuplicateKeyError:
            existing = await self.collection.find_one({"_id": record["_id"]})
            if existing is None:  # pragma: no cover - records are never deleted
                raise
            return existing
        return None
