"""Rendering of the public feeds (RSS 2.0, Atom, JSON Feed 1.1): site-wide, per OPD, per category.

Pure functions of the stored feed items; no I/O. Human-facing text is Bahasa Indonesia. Photos go
out as enclosures (type and length), so readers and newsrooms can take them at full size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from xml.etree import ElementTree

from feedgen.feed import FeedGenerator

from services.publisher import pressroom_pages
from shared.html import sanitize
from shared.mongo import Document
from shared.vocabulary import DATE_AND_TIME, ZONES, format_local

FEED_TITLE = "Berita Pemerintah — Warta Diskominfo"
FEED_DESCRIPTION = "Berita kegiatan perangkat daerah, disunting dan diterbitkan oleh Diskominfo."
LANGUAGE = "id"
FEED_SIZE = 50
RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
DEFAULT_ZONE = ZONES[0].iana  # an item without an OPD zone is shown in WIB


@dataclass(frozen=True)
class FeedInfo:
    """One feed: its title and where it lives; its files are `<path>/rss.xml`, `atom.xml`,
    `feed.json`, and its home page `home` (the press-room page listing the same articles)."""

    title: str = FEED_TITLE
    path: str = "/feeds"
    home: str = "/berita"


SITE = FeedInfo()


def for_opd(code: str, name: str) -> FeedInfo:
    return FeedInfo(f"{name} — {FEED_TITLE}", f"/berita/opd/{code}", f"/berita/opd/{code}")


def for_category(category: str) -> FeedInfo:
    return FeedInfo(f"Kategori {category} — {FEED_TITLE}", f"/berita/kategori/{category}",
                    f"/berita/kategori/{category}")


def images(item: Document) -> list[Document]:
    return [a for a in item.get("attachments", [])
            if str(a.get("content_type", "")).startswith("image/")]


def _aware(moment: Any) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _content_html(item: Document) -> str:
    """The body plus the correction notes, newest last ("Ralat")."""
    html = sanitize(str(item.get("body_html", "")))
    for correction in item.get("corrections", []):
        html += (f"<p><em>Ralat ({escape(_local_date(correction.get('at'), item))}): "
                 f"{escape(str(correction.get('note', '')))}</em></p>")
    return html


def _local_date(moment: Any, item: Document) -> str:
    zone = str((item.get("opd") or {}).get("timezone") or DEFAULT_ZONE)
    return format_local(_aware(moment), zone, DATE_AND_TIME)


def _generator(items: list[Document], base_url: str, info: FeedInfo, file: str, *,
               rss_enclosure: bool = False) -> FeedGenerator:
    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}{info.path}")
    fg.title(info.title)
    fg.subtitle(FEED_DESCRIPTION)
    fg.description(FEED_DESCRIPTION)
    fg.link(href=f"{base}{info.home}", rel="alternate")
    fg.link(href=f"{base}{info.path}/{file}", rel="self")
    fg.language(LANGUAGE)
    newest = max((_aware(i.get("updated_at") or i["published_at"]) for i in items),
                 default=datetime(2020, 1, 1, tzinfo=UTC))
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for item in items:
        entry = fg.add_entry(order="append")
        url = str(item["url"])
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(str(item["headline"]))
        entry.link(href=url, rel="alternate")
        entry.summary(str(item.get("summary") or item["headline"]))
        entry.content(_content_html(item), type="html")
        entry.published(_aware(item["published_at"]))
        entry.updated(_aware(item.get("updated_at") or item["published_at"]))
        entry.category(term=str(item.get("category", "")))
        opd = item.get("opd") or {}
        if opd.get("name"):
            entry.author(name=str(opd["name"]))
        if rss_enclosure and images(item):
            # RSS carries one enclosure: the first photo (the featured one).
            photo = images(item)[0]
            entry.enclosure(str(photo["url"]), str(int(photo.get("size") or 0)),
                            str(photo["content_type"]))
    return fg


def rss(items: list[Document], base_url: str, info: FeedInfo = SITE) -> bytes:
    feed: bytes = _generator(items, base_url, info, "rss.xml", rss_enclosure=True).rss_str(
        pretty=True)
    return feed


def atom(items: list[Document], base_url: str, info: FeedInfo = SITE) -> bytes:
    feed: bytes = _generator(items, base_url, info, "atom.xml").atom_str(pretty=True)
    return _with_atom_enclosures(feed, items)


def _with_atom_enclosures(feed: bytes, items: list[Document]) -> bytes:
    """Every photo as `<link rel="enclosure">`, added here: feedgen 1.0 drops a link's rel,
    type and length in Atom (its loop variable shadows the link), making them alternates."""
    ElementTree.register_namespace("", ATOM_NS)
    root = ElementTree.fromstring(feed)  # noqa: S314 - our own output, not outside input
    for entry, item in zip(root.findall(f"{{{ATOM_NS}}}entry"), items, strict=True):
        for photo in images(item):
            ElementTree.SubElement(entry, f"{{{ATOM_NS}}}link", {
                "rel": "enclosure", "href": str(photo["url"]),
                "type": str(photo["content_type"]),
                "length": str(int(photo.get("size") or 0))})
    out: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def json_feed(items: list[Document], base_url: str, info: FeedInfo = SITE) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "description": FEED_DESCRIPTION,
        "home_page_url": f"{base}{info.home}",
        "feed_url": f"{base}{info.path}/feed.json",
        "language": LANGUAGE,
        "items": [_json_item(item) for item in items],
    }


def _json_item(item: Document) -> dict[str, Any]:
    opd = item.get("opd") or {}
    out: dict[str, Any] = {
        "id": str(item["url"]),
        "url": str(item["url"]),
        "title": str(item["headline"]),
        "content_html": _content_html(item),
        "summary": item.get("summary") or str(item["headline"]),
        "date_published": _aware(item["published_at"]).isoformat(),
        "date_modified": _aware(item.get("updated_at") or item["published_at"]).isoformat(),
        "tags": [str(item.get("category", "")), *item.get("tags", [])],
    }
    if opd.get("name"):
        out["authors"] = [{"name": str(opd["name"])}]
    photos = images(item)
    if photos:
        out["image"] = str(photos[0]["url"])
        out["attachments"] = [
            {"url": str(a["url"]), "mime_type": str(a["content_type"]),
             "size_in_bytes": int(a.get("size") or 0),
             **({"title": str(a["caption"])} if a.get("caption") else {})} for a in photos]
    return out


def article_page(item: Document) -> str:
    """The article's press-room page (kept for callers of the former minimal page)."""
    return pressroom_pages.article_page(item)
