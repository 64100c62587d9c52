"""Publisher HTTP routes: editors' view of publications, chief editors' retry and cancel; the
public feeds and pages.

No `from __future__ import annotations` here: FastAPI resolves string annotations against module
globals, and the `editor` dependency alias is local to `build_router`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.publisher import feeds
from services.publisher import schemas as s
from services.publisher.handlers import NotRetryable, PublicationNotFound, Publishing
from services.publisher.repository import FeedRepository, PublicationRepository
from services.publisher.scheduling import CancelNotFound, NotCancellable, Scheduling
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.openapi import (
    SERVICE_ERRORS,
    editor_jwt,
    route_errors,
)
from shared.settings import Settings

_CACHE = {"Cache-Control": "public, max-age=60"}


def build_router(settings: Settings, publishing: Publishing, publications: PublicationRepository,
                 scheduling: Scheduling) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["publications"], responses=route_errors())
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]
    # Retry and cancel are a chief editor's (redaktur pelaksana) decisions, not an editor's.
    chief = Annotated[Principal, Depends(require_role(settings, "chief_editor"))]
    chief_jwt, chief_errors = [editor_jwt("chief_editor")], route_errors(
        404, 409, role="chief_editor")

    @router.get("/publications", response_model=s.PublicationListOut,
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def list_publications(
        _: editor, article_id: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 100,
    ) -> s.PublicationListOut:
        docs = await publications.search(article_id, limit)
        return s.PublicationListOut(items=[s.publication_out(d) for d in docs])

    @router.post("/publications/{publication_id}/retry", response_model=s.PublicationOut,
                 dependencies=chief_jwt, responses=chief_errors)
    async def retry(publication_id: str, who: chief, request: Request) -> s.PublicationOut:
        try:
            doc = await publishing.retry(publication_id)
        except PublicationNotFound as exc:
            raise ApiError(404, "not_found", f"No publication {publication_id}.") from exc
        except NotRetryable as exc:
            raise ApiError(409, "invalid_state",
                           f"Only a failed or dead publication can be retried; this one is "
                           f"{exc.args[0]}.", {"state": exc.args[0]}) from exc
        await _audit(request, who, "publication.retry", doc)
        return s.publication_out(doc)

    @router.post("/publications/{publication_id}/cancel", response_model=s.PublicationOut,
                 dependencies=chief_jwt, responses=chief_errors)
    async def cancel(publication_id: str, who: chief, request: Request,
                     body: s.CancelIn | None = None) -> s.PublicationOut:
        """Call off a pending, scheduled or needs_review publication: nothing goes out.
        Cancelling a cancelled one again answers it unchanged."""
        try:
            doc = await scheduling.cancel(publication_id, who.subject,
                                          body.reason if body else None)
        except CancelNotFound as exc:
            raise ApiError(404, "not_found", f"No publication {publication_id}.") from exc
        except NotCancellable as exc:
            raise ApiError(409, "invalid_state",
                           f"Hanya publikasi yang menunggu, terjadwal atau perlu ditinjau yang "
                           f"dapat dibatalkan; publikasi ini {exc.args[0]}.",
                           {"state": exc.args[0]}) from exc
        await _audit(request, who, "publication.cancel", doc)
        return s.publication_out(doc)

    return router


async def _audit(request: Request, who: Principal, action: str, doc: dict[str, Any]) -> None:
    after = doc.get("version")
    await record_act(request, who.subject, who.role, action, target_type="publication",
                     target_id=str(doc["_id"]), article_id=doc.get("article_id"), after=after,
                     details={"channel": doc.get("channel", "")})


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

    # The article pages (/berita/...) are the press room's: pressroom_api.py.

    return router
