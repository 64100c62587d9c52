"""Attachment records in ingest's database; the bytes are in a `BlobStore`.

`_id` is derived from the OPD and the sha256 of what it uploaded, so the same file uploaded twice
by one OPD is one record (a find by `_id`, and the unique `_id` settles concurrent uploads), while
two OPDs never share a record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.mongo import Database, Document, DuplicateKeyError


def attachment_id(opd_id: str, source_sha256: str) -> str:
    return hashlib.sha256(f"{opd_id}:{source_sha256}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attachment:
    id: str
    opd_id: str
    content_type: str
    size: int
    sha256: str
    blob: str
    thumbnail_blob: str | None
    url: str
    thumbnail_url: str | None
    created_at: datetime
    width: int | None = None  # upright pixels; None for PDFs
    height: int | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "content_type": self.content_type, "size": self.size,
                "sha256": self.sha256, "url": self.url, "thumbnail_url": self.thumbnail_url}


class AttachmentRepository:
    def __init__(self, db: Database, public_base_url: str) -> None:
        self.collection = db["attachments"]
        self._base = public_base_url.rstrip("/")

    async def add(self, document: Document) -> tuple[Attachment, bool]:
        """The stored attachment and whether it is new; if this OPD uploaded the same file
        meanwhile (a concurrent twin), the existing record stands."""
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError:
            existing = await self.get(document["_id"])
            assert existing is not None  # records are never deleted
            return existing, False
        return self._from(document), True

    async def get(self, attachment_id: str) -> Attachment | None:
        doc = await self.collection.find_one({"_id": attachment_id})
        return self._from(doc) if doc else None

    async def get_many(self, opd_id: str, ids: list[str]) -> list[Attachment]:
        """Only the caller's own attachments: another OPD's id is as unknown as a missing one."""
        found = self.collection.find({"_id": {"$in": ids}, "opd_id": opd_id})
        return [self._from(doc) async for doc in found]

    def _from(self, doc: Document) -> Attachment:
        url = f"{self._base}/files/{doc['_id']}"
        return Attachment(
            id=doc["_id"], opd_id=doc["opd_id"], content_type=doc["content_type"],
            size=doc["size"], sha256=doc["sha256"], blob=doc["blob"],
            thumbnail_blob=doc.get("thumbnail_blob"), url=url,
            thumbnail_url=f"{url}/thumbnail" if doc.get("thumbnail_blob") else None,
            created_at=doc["created_at"], width=doc.get("width"), height=doc.get("height"))
