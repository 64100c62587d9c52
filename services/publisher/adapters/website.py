"""The government website on WordPress: photos to the media library, terms, one post per article.

The post's slug is `warta-<article id>`, so an attempt that crashed after WordPress answered is
found again (`find_existing`) instead of posted twice. The first photo is the featured image, the
others a gallery block; the OPD, the activity's place and its local date head the content.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from typing import Any

import httpx
from pydantic import BaseModel, SecretStr

from services.publisher.adapters.port import AdapterContext, Capabilities, Posted
from services.publisher.adapters.wordpress_api import WordPressApi
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef
from shared.vocabulary import format_local

NAME = "website"
# WordPress's upload list, by the type our attachments declare.
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
# A 12-megapixel photo takes WordPress seconds to scale into its sizes, more on a busy host.
UPLOAD_TIMEOUT = 180.0
_PARALLEL_UPLOADS = 2  # a site runs a few PHP workers; leave some for its readers
# Any status but trash: a post left as a draft or scheduled by a crashed attempt counts too.
_STATUSES = "publish,future,draft,pending,private"
_GALLERY = re.compile(r"<!-- wp:gallery .*?<!-- /wp:gallery -->", re.DOTALL)
_RALAT = re.compile(r'<!-- wp:paragraph \{"className":"warta-ralat"\} -->.*?'
                    r"<!-- /wp:paragraph -->", re.DOTALL)


class Credentials(BaseModel):
    url: str  # the site's address, e.g. https://diskominfo.example.go.id
    username: str
    app_password: SecretStr  # an Application Password (Users → Profile), not the login one


def build(credentials: Credentials, http: httpx.AsyncClient, context: AdapterContext
          ) -> WebsiteChannel:
    return WebsiteChannel(WordPressApi(http, credentials.url, credentials.username,
                                       credentials.app_password), context)


def slug_of(article_id: str) -> str:
    return f"warta-{article_id}".lower()


class WebsiteChannel:
    name = NAME
    capabilities = Capabilities(can_edit=True, can_delete=True)

    def __init__(self, api: WordPressApi, context: AdapterContext) -> None:
        self.api, self.context = api, context

    async def check(self) -> str:
        me = await self.api.call("GET", "users/me", params={"context": "edit"})
        return str(me.get("name") or me.get("slug"))

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        found = await self.api.call("GET", "posts", params={
            "slug": slug_of(article.article_id), "status": _STATUSES, "context": "edit",
            "_fields": "id,link,featured_media"})
        if not found:
            return None
        return Posted(external_id=str(found[0]["id"]), url=str(found[0]["link"]))

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        existing = await self.find_existing(article)
        if existing is not None:  # an earlier attempt's post: never a second one
            return existing
        photos = [a for a in article.attachments if a.content_type in _EXTENSIONS]
        limit = asyncio.Semaphore(_PARALLEL_UPLOADS)
        media = await asyncio.gather(*(self._upload(article, photo, number, limit)
                                       for number, photo in enumerate(photos, start=1)))
        fields = await self._fields(article)
        body = article_html(article) + gallery_html(media[1:])
        post = await self.api.call("POST", "posts", json={
            **fields, "slug": slug_of(article.article_id), "status": "publish", "content": body,
            **({"featured_media": media[0]["id"]} if media else {})})
        return Posted(external_id=str(post["id"]), url=str(post["link"]), extra={
            "media": ",".join(str(item["id"]) for item in media)})

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        current = await self.api.call("GET", f"posts/{posted.external_id}",
                                      params={"context": "edit", "_fields": "content"})
        raw = str(current["content"]["raw"])
        gallery = _GALLERY.search(raw)  # the photos stay as posted; the text is corrected
        earlier = "".join(_RALAT.findall(raw))  # every earlier note stays visible
        body = (ralat_html(article) + earlier + article_html(article)
                + (gallery.group(0) if gallery else ""))
        post = await self.api.call("POST", f"posts/{posted.external_id}", json={
            **await self._fields(article), "content": body})
        return Posted(external_id=posted.external_id, url=str(post["link"]), extra=posted.extra)

    async def withdraw(self, posted: Posted) -> None:
        # Without force=true WordPress moves the post to the trash (reversible by the site's
        # admins). 410 rest_already_trashed: an earlier take-down; 404: deleted by hand.
        await self.api.call("DELETE", f"posts/{posted.external_id}", accept=(404, 410))

    async def _fields(self, article: ArticleApprovedV1) -> dict[str, Any]:
        category = article.category.replace("-", " ").replace("_", " ")
        categories, tags = await asyncio.gather(
            self.api.term_ids("categories", [category.title() if category.islower()
                                             else category]),
            self.api.term_ids("tags", list(article.tags)))
        return {"title": html.escape(article.headline, quote=False),
                "excerpt": html.escape(article.summary or "", quote=False),
                "categories": categories, "tags": tags}

    async def _upload(self, article: ArticleApprovedV1, photo: AttachmentRef, number: int,
                      limit: asyncio.Semaphore) -> dict[str, Any]:
        async with limit:
            data = await self.context.fetch_photo(photo)
            name = f"{slug_of(article.article_id)}-{number}.{_EXTENSIONS[photo.content_type]}"
            params = {"caption": caption_html(photo), "alt_text": photo.alt_text or "",
                      "title": photo.caption or article.headline}
            answer: dict[str, Any] = await self.api.call(
                "POST", "media", params=params, content=data, seconds=UPLOAD_TIMEOUT, headers={
                    "Content-Type": photo.content_type,
                    "Content-Disposition": f'attachment; filename="{name}"'})
        sizes = (answer.get("media_details") or {}).get("sizes") or {}
        large = sizes.get("large") or sizes.get("full") or {}
        return {"id": int(answer["id"]), "url": str(large.get("source_url")
                                                     or answer["source_url"]),
                "alt": photo.alt_text or "", "caption": caption_html(photo)}


def caption_html(photo: AttachmentRef) -> str:
    parts = [html.escape(photo.caption)] if photo.caption else []
    if photo.credit:
        parts.append(f"(Foto: {html.escape(photo.credit)})")
    return " ".join(parts)


def dateline_html(article: ArticleApprovedV1) -> str:
    """"<OPD> — <place>, <local date>": who reported, where and when the activity was."""
    where = [article.location] if article.location else []
    if article.activity_at is not None:
        where.append(format_local(article.activity_at, article.opd.timezone))
    text = f"<strong>{html.escape(article.opd.name)}</strong>"
    if where:
        text += " — " + html.escape(", ".join(where))
    return _paragraph(text, "warta-dateline")


def article_html(article: ArticleApprovedV1) -> str:
    # body_html was sanitized by editorial (shared.html); WordPress filters it again (KSES).
    return dateline_html(article) + f"<!-- wp:html -->\n{article.body_html}\n<!-- /wp:html -->\n"


def ralat_html(article: ArticleCorrectedV1) -> str:
    when = format_local(article.decided_at, article.opd.timezone)
    return _paragraph(f"<strong>Ralat</strong> ({html.escape(when)}): "
                      f"{html.escape(article.correction_note)}", "warta-ralat")


def gallery_html(media: list[dict[str, Any]]) -> str:
    """A core gallery block (WordPress 6.1 markup: nested image blocks)."""
    if not media:
        return ""
    images = "".join(
        f'<!-- wp:image {json.dumps({"id": item["id"], "sizeSlug": "large", "linkTo": "none"})}'
        f' -->\n<figure class="wp-block-image size-large"><img src="{html.escape(item["url"])}"'
        f' alt="{html.escape(item["alt"])}" class="wp-image-{item["id"]}"/>'
        + (f'<figcaption class="wp-element-caption">{item["caption"]}</figcaption>'
           if item["caption"] else "") + "</figure>\n<!-- /wp:image -->\n"
        for item in media)
    return ('<!-- wp:gallery {"linkTo":"none"} -->\n<figure class="wp-block-gallery '
            f'has-nested-images columns-default is-cropped">{images}</figure>\n'
            "<!-- /wp:gallery -->\n")


def _paragraph(inner: str, css_class: str) -> str:
    return (f'<!-- wp:paragraph {{"className":"{css_class}"}} -->\n'
            f'<p class="{css_class}">{inner}</p>\n<!-- /wp:paragraph -->\n')
