"""MongoDB wiring: the only module that imports the driver, so changing it is a one-file change."""

from __future__ import annotations

from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection, AsyncIOMotorDatabase
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, WriteConcernError

from shared.settings import Settings

Document = dict[str, Any]
Database = AsyncIOMotorDatabase[Document]
Collection = AsyncIOMotorCollection[Document]

# Errors that mean "the database is not answering right now": retry, never dead-letter.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionFailure, WriteConcernError)

__all__ = [
    "ASCENDING", "DESCENDING", "TRANSIENT_ERRORS", "Collection", "Database", "Document",
    "DuplicateKeyError", "IndexModel", "MongoHandle", "PyMongoError", "ReturnDocument",
]


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
