"""Rendering of the public feeds (RSS 2.0, Atom, JSON Feed 1.1) and the article page.

Pure functions of the stored feed items; no I/O. Human-facing text is Bahasa Indonesia.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from feedgen.feed import FeedGenerator

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
DEFAULT_ZONE = ZONES[0].iana  # an item without an OPD zone is shown in WIB


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


def _generator(items: list[Document], base_url: str, self_path: str) -> FeedGenerator:
    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{base}/feeds")
    fg.title(FEED_TITLE)
    fg.subtitle(FEED_DESCRIPTION)
    fg.description(FEED_DESCRIPTION)
    fg.link(href=f"{base}/", rel="alternate")
    fg.link(href=f"{base}{self_path}", rel="self")
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
    return fg


def rss(items: list[Document], base_url: str) -> bytes:
    feed: bytes = _generator(items, base_url, "/feeds/rss.xml").rss_str(pretty=True)
    return feed


def atom(items: list[Document], base_url: str) -> bytes:
    feed: bytes = _generator(items, base_url, "/feeds/atom.xml").atom_str(pretty=True)
    return feed


def json_feed(items: list[Document], base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "description": FEED_DESCRIPTION,
        "home_page_url": f"{base}/",
        "feed_url": f"{base}/feeds/feed.json",
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
    images = [a for a in item.get("attachments", [])
              if str(a.get("content_type", "")).startswith("image/")]
    if images:
        out["image"] = str(images[0]["url"])
    return out


def article_page(item: Document) -> str:
    """A minimal public page, so that the feed links resolve."""
    opd = item.get("opd") or {}
    summary = item.get("summary")
    lead = f'<p class="ringkasan">{escape(str(summary))}</p>' if summary else ""
    when = escape(_local_date(item["published_at"], item))
    return f"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(str(item["headline"]))} — Berita Pemerintah</title>
<link rel="alternate" type="application/rss+xml" title="{escape(FEED_TITLE)}" href="/feeds/rss.xml">
</head>
<body>
<article>
<h1>{escape(str(item["headline"]))}</h1>
<p class="meta">{escape(str(opd.get("name", "")))} · {when}
 · {escape(str(item.get("category", "")))}</p>
{lead}
{_content_html(item)}
</article>
</body>
</html>
"""


NOT_FOUND_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Berita tidak ditemukan</title></head>
<body><h1>Berita tidak ditemukan</h1>
<p>Berita ini tidak ada atau sudah ditarik dari publikasi.</p></body></html>
"""
