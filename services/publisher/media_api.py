"""Public GET of the fitted images (/berita/media/<sha256>.jpg) that networks fetch by URL."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from services.publisher import fitted_images
from shared.errors import ApiError
from shared.openapi import error_responses

# The name is the content's hash: the bytes behind a URL never change.
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def build_media_router(directory: Path) -> APIRouter:
    router = APIRouter(tags=["public"])

    @router.get(fitted_images.PUBLIC_PREFIX + "/{name}", response_class=Response,
                responses={200: {"content": {"image/jpeg": {}}}, **error_responses(404, 422)})
    async def fitted_image(name: str) -> FileResponse:
        path = fitted_images.file_for(directory, name)
        if path is None or not path.is_file():
            raise ApiError(404, "not_found", "Gambar tidak ditemukan.")
        return FileResponse(path, media_type="image/jpeg", headers=_IMMUTABLE)

    return router
