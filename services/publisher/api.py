"""Publisher HTTP routes: editors' view of publications and retry; the public feeds and pages.

No `from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the `editor` dependency alias is local to `build_router`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from services.publisher import feeds
from services.publisher import schemas as s
from services.publisher.handlers import NotRetryable, PublicationNotFound, Publishing
from services.publisher.repository import FeedRepository, PublicationRepository
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.openapi import (
    SERVICE_ERRORS,
    editor_jwt,
    error_responses,
    html_responses,
    route_errors,
)
from shared.settings import Settings

_CACHE = {"Cache-Control": "public, max-age=60"}


def build_router(settings: Settings, publishing: Publishing,
                 publications: PublicationRepository) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["publications"], dependencies=[editor_jwt("editor")],
                       responses=route_errors(role="editor"))
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    @router.get("/publications", response_model=s.PublicationListOut)
    async def list_publications(
        _: editor, article_id: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 100,
    ) -> s.PublicationListOut:
        docs = await publications.search(article_id, limit)
        return s.PublicationListOut(items=[s.publication_out(d) for d in docs])

    @router.post("/publications/{publication_id}/retry", response_model=s.PublicationOut,
                 responses=error_responses(404, 409))
    async def retry(publication_id: str, _: editor) -> s.PublicationOut:
        try:
            doc = await publishing.retry(publication_id)
        except PublicationNotFound as exc:
            raise ApiError(404, "not_found", f"No publication {publication_id}.") from exc
        except NotRetryable as exc:
            raise ApiError(409, "invalid_state",
                           f"Only a failed or dead publication can be retried; this one is "
                           f"{exc.args[0]}.", {"state": exc.args[0]}) from exc
        return s.publication_out(doc)

    return router


def public_router(settings: Settings, feed: FeedRepository) -> APIRouter:
    router = APIRouter(tags=["public"], responses=SERVICE_ERRORS)
    base = settings.website_base_url

    async def latest() -> list[dict[str, object]]:
        return await feed.latest(utcnow(), feeds.FEED_SIZE)

    @router.get("/feeds/rss.xml", response_class=Response,
                responses={200: {"content": {"application/rss+xml": {}}}})
    async def rss() -> Response:
        return Response(feeds.rss(await latest(), base), media_type=feeds.RSS_TYPE,
                        headers=_CACHE)

    @router.get("/feeds/atom.xml", response_class=Response,
                responses={200: {"content": {"application/atom+xml": {}}}})
    async def atom() -> Response:
        return Response(feeds.atom(await latest(), base), media_type=feeds.ATOM_TYPE,
                        headers=_CACHE)

    @router.get("/feeds/feed.json", response_class=Response,
                responses={200: {"content": {"application/feed+json": {}}}})
    async def json_feed() -> JSONResponse:
        return JSONResponse(feeds.json_feed(await latest(), base),
                            media_type=feeds.JSON_FEED_TYPE, headers=_CACHE)

    @router.get("/berita/{article_id}", response_class=Response,
                responses={**html_responses(200, 404), **error_responses(422)})
    async def article_page(article_id: str) -> HTMLResponse:
        item = await feed.get(article_id)
        if item is None or item["published_at"] > utcnow():
            return HTMLResponse(feeds.NOT_FOUND_PAGE, status_code=404)
        return HTMLResponse(feeds.article_page(item), headers=_CACHE)

    return router
