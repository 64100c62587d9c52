"""Attachment routes: upload (OPD key) and the stable public URLs the publisher fetches.

No `from __future__ import annotations`: FastAPI resolves annotations at runtime.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Request, Response, UploadFile

from services.ingest.attachments.media import ACCEPTED, MediaRefused, Refusal
from services.ingest.attachments.repository import AttachmentRepository
from services.ingest.attachments.storage import BlobStore
from services.ingest.attachments.uploads import Uploads
from services.ingest.auth import OpdPrincipal
from services.ingest.schemas import AttachmentOut
from shared.errors import ApiError
from shared.openapi import SERVICE_ERRORS, error_responses, opd_key, opd_user_token

PrincipalDependency = Callable[[Request], Coroutine[Any, Any, OpdPrincipal]]
AttachmentIdPath = Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")]
# A year: the bytes behind an attachment id never change.
IMMUTABLE = "public, max-age=31536000, immutable"
REFUSAL_STATUS = {Refusal.TOO_LARGE: 413, Refusal.UNSUPPORTED: 415, Refusal.INVALID: 422}


def attachments_router(uploads: Uploads, principal: PrincipalDependency,
                       error_responses: dict[int | str, dict[str, Any]]) -> APIRouter:
    router = APIRouter(tags=["attachments"])
    opd = Annotated[OpdPrincipal, Depends(principal)]

    @router.post(
        "/v1/attachments", status_code=201, response_model=AttachmentOut,
        dependencies=[opd_key(), opd_user_token()], responses={200: {"model": AttachmentOut,
                         "description": "this OPD already uploaded the same file"},
                   **error_responses})
    async def upload(who: opd, response: Response,
                     file: Annotated[UploadFile, File(description=ACCEPTED)]) -> dict[str, Any]:
        """Multipart upload, field `file`. The type is read from the bytes, not the client."""
        data = await file.read()
        try:
            attachment, created = await uploads.accept(who.opd_id, data)
        except MediaRefused as exc:
            raise ApiError(REFUSAL_STATUS[exc.reason], exc.code, exc.message) from exc
        if not created:
            response.status_code = 200
        return attachment.public()

    return router


def files_router(repo: AttachmentRepository, store: BlobStore) -> APIRouter:
    """Public: a report's photos end up on the website; ids are unguessable 128-bit values."""
    router = APIRouter(prefix="/files", tags=["files"],
                       responses={**error_responses(404, 422), **SERVICE_ERRORS})

    async def serve(attachment_id: str, thumbnail: bool) -> Response:
        attachment = await repo.get(attachment_id)
        blob = None if attachment is None else (
            attachment.thumbnail_blob if thumbnail else attachment.blob)
        data = await store.get(blob) if blob else None
        if attachment is None or data is None:
            raise ApiError(404, "not_found", f"No file {attachment_id!r}.")
        media_type = "image/jpeg" if thumbnail else attachment.content_type
        return Response(data, media_type=media_type, headers={
            "Cache-Control": IMMUTABLE, "ETag": f'"{attachment.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox"})

    @router.get("/{attachment_id}", response_class=Response,
                responses={200: {"content": {"image/jpeg": {}, "application/pdf": {}}}})
    async def original(attachment_id: AttachmentIdPath) -> Response:
        return await serve(attachment_id, thumbnail=False)

    @router.get("/{attachment_id}/thumbnail", response_class=Response,
                responses={200: {"content": {"image/jpeg": {}}}})
    async def thumbnail(attachment_id: AttachmentIdPath) -> Response:
        return await serve(attachment_id, thumbnail=True)

    return router
