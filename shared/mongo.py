"""MongoDB wiring: the only module that imports the driver, so changing it is a one-file change."""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    PyMongoError,
    WriteConcernError,
)
from pymongo.results import UpdateResult

from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncIOMotorDatabase[Document]
Collection = AsyncIOMotorCollection[Document]

# Errors that mean "the database is not answering right now": retry, never dead-letter.
# A timed-out write (NetworkTimeout is a ConnectionFailure) may still have been applied.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    ConnectionFailure, WriteConcernError, ExecutionTimeout)

# Driver timeouts sit below the request deadline (Settings.request_timeout_seconds, 10 s), so a
# stalled database surfaces as a transient error the HTTP edge can answer, not as a hung request.
DUPLICATE_KEY = 11000
SERVER_SELECTION_TIMEOUT_MS = 3000
OPERATION_TIMEOUT_MS = 5000

__all__ = [
    "ASCENDING", "DESCENDING", "TRANSIENT_ERRORS", "Collection", "Database", "Document",
    "DuplicateKeyError", "IndexModel", "MongoHandle", "PyMongoError", "ReturnDocument",
    "find_one_and_update", "insert_new", "update_each", "update_one",
]

# Correctness rests on the database: each state change is one conditional single-document
# update whose matched count the caller checks. These wrappers only give the driver's results a
# type; they hold no lock, so several processes may call them at once.

async def update_one(collection: Collection, query: Document, update: Document,
                     **options: Any) -> UpdateResult:
    """`collection.update_one`; check `matched_count` when `query` carries a precondition."""
    result: UpdateResult = await collection.update_one(query, update, **options)
    return result


async def find_one_and_update(collection: Collection, query: Document, update: Document,
                              **options: Any) -> Document | None:
    """`collection.find_one_and_update`; None when the precondition in `query` did not hold."""
    result: Document | None = await collection.find_one_and_update(query, update, **options)
    return result


async def insert_new(collection: Collection, documents: list[Document]) -> int:
    """Insert many at once (unordered): documents whose `_id` exists already are skipped, so a
    repeated batch creates nothing twice. Returns how many were new."""
    if not documents:
        return 0
    try:
        result = await collection.insert_many(documents, ordered=False)
        return len(result.inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        return int(exc.details.get("nInserted", 0))


async def update_each(collection: Collection, changes: list[tuple[Document, Document]]) -> int:
    """Many conditional single-document updates in one round trip (unordered bulk write):
    each is applied on its own, as `update_one` would; returns how many were modified."""
    if not changes:
        return 0
    result = await collection.bulk_write([UpdateOne(q, u) for q, u in changes], ordered=False)
    return int(result.modified_count)


class MongoHandle:
    """One client per process; each service talks only to its own database."""

    def __init__(self, settings: Settings, service: str) -> None:
        self._client: AsyncIOMotorClient[Document] = AsyncIOMotorClient(
            settings.mongo_url, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS,
            connectTimeoutMS=SERVER_SELECTION_TIMEOUT_MS, timeoutMS=OPERATION_TIMEOUT_MS,
            tz_aware=True, appname=f"warta-{service}",
        )
        self.db: Database = self._client[settings.database_name(service)]

    async def ping(self) -> None:
        await self.db.command("ping")

    def close(self) -> None:
        self._client.close()


async def ping_url(url: str, timeout_ms: int = 500) -> None:
    """One `ping` over the wire protocol; used by readiness probes outside a service."""
    client: AsyncIOMotorClient[Document] = AsyncIOMotorClient(
        url, serverSelectionTimeoutMS=timeout_ms)
    try:
        await client.admin.command("ping")
    finally:
        client.close()
