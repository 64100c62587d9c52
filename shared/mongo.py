"""MongoDB wiring: the only module that imports the driver, so changing it is a one-file change."""

from __future__ import annotations

import contextlib
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, WriteConcernError
from pymongo.results import UpdateResult

from shared.locks import KeyedLocks
from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncIOMotorDatabase[Document]
Collection = AsyncIOMotorCollection[Document]

# Errors that mean "the database is not answering right now": retry, never dead-letter.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionFailure, WriteConcernError)

__all__ = [
    "ASCENDING", "DESCENDING", "TRANSIENT_ERRORS", "Collection", "Database", "Document",
    "DuplicateKeyError", "IndexModel", "MongoHandle", "PyMongoError", "ReturnDocument",
    "find_one_and_update", "update_one", "write_lock",
]

# FerretDB v1 runs an update as read, modify in Go, write back, without isolation between
# connections: two concurrent updates of one document can lose one of them (seen here: the
# relay's `$pull` of a published event undone by a concurrent amendment, so the event was
# published again). MongoDB makes each single-document update atomic. Within one process we
# therefore serialise updates of the same document; several replicas on FerretDB stay exposed
# (a development database only). Every update of a document by `_id` goes through here.
_writes = KeyedLocks()


def write_lock(collection: Collection, doc_id: Any) -> contextlib.AbstractAsyncContextManager[None]:
    return _writes.hold((f"{collection.database.name}.{collection.name}", doc_id))


def _doc_id(query: Document) -> Any:
    doc_id = query.get("_id")
    return doc_id if isinstance(doc_id, str | int) else None


async def update_one(collection: Collection, query: Document, update: Document,
                     **options: Any) -> UpdateResult:
    """`collection.update_one`, serialised per document in this process (see above)."""
    doc_id = _doc_id(query)
    if doc_id is None:
        result: UpdateResult = await collection.update_one(query, update, **options)
        return result
    async with write_lock(collection, doc_id):
        locked: UpdateResult = await collection.update_one(query, update, **options)
        return locked


async def find_one_and_update(collection: Collection, query: Document, update: Document,
                              **options: Any) -> Document | None:
    """`collection.find_one_and_update`, serialised per document in this process."""
    doc_id = _doc_id(query)
    if doc_id is None:
        result: Document | None = await collection.find_one_and_update(query, update, **options)
        return result
    async with write_lock(collection, doc_id):
        locked: Document | None = await collection.find_one_and_update(query, update, **options)
        return locked


class MongoHandle:
    """One client per process; each service talks only to its own database."""

    def __init__(self, settings: Settings, service: str) -> None:
        self._client: AsyncIOMotorClient[Document] = AsyncIOMotorClient(
            settings.mongo_url, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000,
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
