"""The press room's HTML: Jinja2 templates (autoescaped, no inline script or style) and their views.

Pure rendering of stored feed items; dates in the OPD's zone, in Indonesian (shared.vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from shared.html import sanitize
from shared.mongo import Document
from shared.vocabulary import DATE_AND_TIME, WITH_WEEKDAY, ZONES, format_local

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES / "berita" / "pressroom.css"
PAGE_SIZE = 20
DEFAULT_ZONE = ZONES[0].iana
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Listing:
    """One page of a list: what it is, which page, and where its feeds are."""

    title: str
    path: str  # "/berita", "/berita/opd/DISHUB", "/berita/kategori/kesehatan"
    items: list[Document]
    total: int
    page: int
    query: str = ""
    description: str = ""
    feeds: dict[str, str] = field(default_factory=dict)


def local(moment: Any, item: Document, pattern: str = DATE_AND_TIME) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return ""
    zone = str((item.get("opd") or {}).get("timezone") or DEFAULT_ZONE)
    return format_local(moment if moment.tzinfo else moment.replace(tzinfo=UTC), zone, pattern)


def feed_links(path: str) -> dict[str, str]:
    return {"RSS": f"{path}/rss.xml", "Atom": f"{path}/atom.xml", "JSON Feed": f"{path}/feed.json"}


def opd_path(code: str) -> str:
    return f"/berita/opd/{quote(code, safe='')}"


def category_path(category: str) -> str:
    return f"/berita/kategori/{quote(category, safe='')}"


def _photos(item: Document) -> list[dict[str, Any]]:
    return [{
        "url": str(a["url"]), "thumbnail": str(a.get("thumbnail_url") or a["url"]),
        "caption": a.get("caption"), "credit": a.get("credit"),
        "alt": a.get("alt_text") or a.get("caption") or item.get("headline", ""),
        "type": str(a["content_type"]), "size": _size(int(a.get("size") or 0)),
    } for a in item.get("attachments", []) if str(a.get("content_type", "")).startswith("image/")]


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def _card(item: Document) -> dict[str, Any]:
    opd = item.get("opd") or {}
    photos = _photos(item)
    return {
        "path": f"/berita/{quote(str(item['_id']), safe='')}", "headline": item["headline"],
        "summary": item.get("summary"), "opd": opd.get("name", ""),
        "opd_path": opd_path(str(opd.get("code", ""))) if opd.get("code") else None,
        "category": item.get("category", ""),
        "category_path": category_path(str(item["category"])) if item.get("category") else None,
        "date": local(item.get("published_at"), item), "photo": photos[0] if photos else None,
    }


def _page_url(listing: Listing, page: int) -> str:
    params = {k: v for k, v in (("q", listing.query), ("halaman", str(page))) if v}
    if page == 1:
        params.pop("halaman")
    return f"{listing.path}?{urlencode(params)}" if params else listing.path


def list_page(listing: Listing) -> str:
    pages = max(1, -(-listing.total // PAGE_SIZE))
    return _ENV.get_template("berita/index.html").render(
        listing=listing, cards=[_card(i) for i in listing.items], pages=pages,
        previous=_page_url(listing, listing.page - 1) if listing.page > 1 else None,
        next=_page_url(listing, listing.page + 1) if listing.page < pages else None)


def article_page(item: Document) -> str:
    opd = item.get("opd") or {}
    corrections = [{"date": local(c.get("at"), item), "note": c.get("note", "")}
                   for c in item.get("corrections", [])]
    return _ENV.get_template("berita/article.html").render(
        card=_card(item), body=Markup(sanitize(str(item.get("body_html", "")))),  # noqa: S704
        photos=_photos(item), corrections=corrections, location=item.get("location"),
        activity=local(item.get("activity_at"), item, WITH_WEEKDAY) or None,
        published=local(item.get("published_at"), item),
        tags=item.get("tags", []), region=opd.get("region"),
        feeds=feed_links(opd_path(str(opd["code"]))) if opd.get("code") else {})


def message_page(title: str, text: str) -> str:
    return _ENV.get_template("berita/message.html").render(title=title, text=text)
