"""The press room's public routes: /berita (search, per OPD, per category), articles, feeds.

No `from __future__ import annotations` here: FastAPI resolves the annotations at import.
Public and without auth; pages carry a CSP without 'unsafe-inline' (the templates have no
inline script or style). Paths are documented in docs/pressroom.md.
"""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from services.publisher import feeds
from services.publisher import pressroom_pages as pages
from services.publisher.pressroom_repository import PressroomRepository, Scope
from services.publisher.pressroom_search import query_terms
from shared.envelope import utcnow
from shared.openapi import html_responses, route_errors
from shared.settings import Settings

_HTML = {**html_responses(200, 404, 410)}
# An OPD code or a category as it goes into a feed: XML 1.0 has no place for control characters.
FEED_KEY = r"^[^\x00-\x1f\x7f-\x9f\uFFFE\uFFFF]+$"
FeedKey = Annotated[str, Path(max_length=100, pattern=FEED_KEY)]
Code = Annotated[str, Path(min_length=1, max_length=64)]
Category = Annotated[str, Path(min_length=1, max_length=100)]
Search = Annotated[str, Query(max_length=200, description="words of the headline or body")]
PageNo = Annotated[int, Query(ge=1, le=10_000, description="page number, from 1")]
GONE = ("Berita telah ditarik", "Berita ini telah ditarik dari publikasi oleh redaksi dan "
        "tidak lagi tersedia.")
INDEX_TEXT = "Berita kegiatan perangkat daerah, dengan foto ukuran asli."
NOT_FOUND = ("Berita tidak ditemukan", "Halaman yang Anda cari tidak ada.")


def security_headers(settings: Settings) -> dict[str, str]:
    """Photos come from the attachment host (the public base URL); nothing runs inline."""
    origins = sorted({f"{u.scheme}://{u.netloc}" for u in (
        urlsplit(settings.public_base_url), urlsplit(settings.website_base_url)) if u.netloc})
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'self'; img-src 'self' {' '.join(origins)}; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cache-Control": "public, max-age=60",
    }


def build_router(settings: Settings, press: PressroomRepository) -> APIRouter:
    router = APIRouter(tags=["press room"], responses=route_errors())  # 422: our error body
    headers = security_headers(settings)
    base = settings.website_base_url

    def html(body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status, headers=headers)

    async def listing(scope: Scope, title: str, path: str, *, q: str, page: int,
                      description: str = "") -> HTMLResponse:
        found = await press.page(scope, utcnow(), skip=(page - 1) * pages.PAGE_SIZE,
                                 limit=pages.PAGE_SIZE)
        if page > 1 and not found.items:
            return html(pages.message_page(*NOT_FOUND), 404)
        return html(pages.list_page(pages.Listing(
            title=title, path=path, items=found.items, total=found.total, page=page, query=q,
            description=description, feeds=pages.feed_links(path) if path != "/berita" else
            pages.feed_links("/feeds"))))

    @router.get("/berita/aset/pressroom.css", include_in_schema=False)
    async def stylesheet() -> FileResponse:
        return FileResponse(pages.STYLESHEET, media_type="text/css",
                            headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/berita", response_class=Response, responses=_HTML)
    async def index(q: Search = "", halaman: PageNo = 1) -> HTMLResponse:
        return await listing(Scope(terms=tuple(query_terms(q))), "Ruang Pers", "/berita", q=q,
                             page=halaman, description=INDEX_TEXT)

    @router.get("/berita/opd/{code}", response_class=Response, responses=_HTML)
    async def opd(code: Code, q: Search = "", halaman: PageNo = 1) -> HTMLResponse:
        scope = Scope(opd_code=code, terms=tuple(query_terms(q)))
        name = await _opd_name(press, code)
        if name is None:
            return html(pages.message_page("OPD tidak ditemukan",
                                           "Belum ada berita dari OPD ini."), 404)
        return await listing(scope, name, pages.opd_path(code), q=q, page=halaman)

    @router.get("/berita/kategori/{category}", response_class=Response, responses=_HTML)
    async def category(category: Category, q: Search = "", halaman: PageNo = 1
                       ) -> HTMLResponse:
        scope = Scope(category=category, terms=tuple(query_terms(q)))
        return await listing(scope, f"Kategori: {category}", pages.category_path(category),
                             q=q, page=halaman)

    def feed_routes(prefix: str, kind: str) -> None:
        async def info_and_items(key: str) -> tuple[feeds.FeedInfo, list[dict[str, object]]]:
            scope = Scope(opd_code=key) if kind == "opd" else Scope(category=key)
            items = await press.latest(scope, utcnow(), feeds.FEED_SIZE)
            if kind == "opd":
                name = str((items[0].get("opd") or {}).get("name") or key) if items else key
                return feeds.for_opd(key, name), items
            return feeds.for_category(key), items

        @router.get(f"{prefix}/rss.xml", response_class=Response, name=f"{kind}_rss",
                    responses={200: {"content": {"application/rss+xml": {}}}})
        async def rss(key: FeedKey) -> Response:
            info, items = await info_and_items(key)
            return Response(feeds.rss(items, base, info), media_type=feeds.RSS_TYPE,
                            headers=headers)

        @router.get(f"{prefix}/atom.xml", response_class=Response, name=f"{kind}_atom",
                    responses={200: {"content": {"application/atom+xml": {}}}})
        async def atom(key: FeedKey) -> Response:
            info, items = await info_and_items(key)
            return Response(feeds.atom(items, base, info), media_type=feeds.ATOM_TYPE,
                            headers=headers)

        @router.get(f"{prefix}/feed.json", response_class=Response, name=f"{kind}_json",
                    responses={200: {"content": {"application/feed+json": {}}}})
        async def json_feed(key: FeedKey) -> JSONResponse:
            info, items = await info_and_items(key)
            return JSONResponse(feeds.json_feed(items, base, info),
                                media_type=feeds.JSON_FEED_TYPE, headers=headers)

    feed_routes("/berita/opd/{key}", "opd")
    feed_routes("/berita/kategori/{key}", "category")

    @router.get("/berita/{article_id}", response_class=Response, responses=_HTML)
    async def article(article_id: Annotated[str, Path(max_length=100)]) -> HTMLResponse:
        item = await press.article(article_id)
        if item is None or item["published_at"] > utcnow():
            if await press.taken_down(article_id):
                return html(pages.message_page(*GONE), 410)
            return html(pages.message_page(*NOT_FOUND), 404)
        return html(pages.article_page(item))

    return router


async def _opd_name(press: PressroomRepository, code: str) -> str | None:
    latest = await press.latest(Scope(opd_code=code), utcnow(), 1)
    return str((latest[0].get("opd") or {}).get("name") or code) if latest else None
