"""Use case: accept one upload for an OPD — verify, normalise, store durably, record, deduplicate.

Order of writes: the bytes (fsynced) first, then the record. A crash in between leaves an
unreferenced file, never a record pointing at nothing; a retry rewrites the same file name.
"""

from __future__ import annotations

import asyncio
import logging

from services.ingest.attachments.media import Processed, process, sha256_of
from services.ingest.attachments.repository import Attachment, AttachmentRepository, attachment_id
from services.ingest.attachments.storage import BlobStore
from shared.envelope import utcnow

log = logging.getLogger("warta.ingest.attachments")


class Uploads:
    def __init__(self, repo: AttachmentRepository, store: BlobStore, *, max_pdf_bytes: int,
                 max_pixels: int) -> None:
        self.repo, self.store = repo, store
        self.max_pdf_bytes, self.max_pixels = max_pdf_bytes, max_pixels
        # Decoding a 40-megapixel photo takes ~100 MB and a core: two at a time per process.
        self._decoding = asyncio.Semaphore(2)

    async def accept(self, opd_id: str, data: bytes) -> tuple[Attachment, bool]:
        """Returns the attachment and whether it is new (False: this OPD sent the same file).
        Raises MediaRefused for what cannot be accepted."""
        source_sha = sha256_of(data)
        existing = await self.repo.get(attachment_id(opd_id, source_sha))
        if existing is not None:
            return existing, False
        async with self._decoding:
            processed = await asyncio.to_thread(
                process, data, max_pdf_bytes=self.max_pdf_bytes, max_pixels=self.max_pixels)
        blob = f"{processed.sha256}.{processed.extension}"
        await self.store.put(blob, processed.content)
        thumbnail_blob = await self._thumbnail(processed)
        new_id = attachment_id(opd_id, source_sha)
        document = {
            "_id": new_id, "opd_id": opd_id,
            "content_type": processed.content_type, "size": len(processed.content),
            "sha256": processed.sha256, "source_sha256": source_sha, "blob": blob,
            "thumbnail_blob": thumbnail_blob, "width": processed.width,
            "height": processed.height, "created_at": utcnow(),
        }
        stored, created = await self.repo.add(document)
        # Not `created`: LogRecord owns that name and logging raises KeyError on a clash.
        log.info("attachment stored", extra={"attachment_id": stored.id, "new": created,
                                             "content_type": stored.content_type,
                                             "size": stored.size})
        return stored, created

    async def _thumbnail(self, processed: Processed) -> str | None:
        if processed.thumbnail is None:
            return None
        name = f"{sha256_of(processed.thumbnail)}.jpg"
        await self.store.put(name, processed.thumbnail)
        return name
