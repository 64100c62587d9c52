"""X adapter (API v2, OAuth 2.0 user context): a post with up to 4 photos; "Ralat:" replies."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

import httpx

from services.publisher.adapters.photo_size import within
from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAmbiguous,
    ChannelRefused,
    Posted,
)
from services.publisher.adapters.x_api import DUPLICATE, Credentials, XClient
from shared.channel_text import LIMITS, check, count, images_used, outgoing_text, shorten
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef

__all__ = ["Credentials", "XChannel", "build"]

NAME = "x"
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # "Images are limited to 5 MB"
LOOKBACK = timedelta(minutes=10)   # clock skew and a slow first attempt
LOOKUP_PAGES = 5                   # of 100 posts: an OPD account posts far fewer per hour
EDIT_HINT = ("X tidak dapat menyunting kiriman lewat API Warta: ralat dikirim sebagai balasan "
             "\"Ralat:\" di utas kiriman. Bila isi kiriman harus diganti, hapus dan kirim ulang "
             "secara manual di x.com.")


def photos_of(article: ArticleApprovedV1) -> list[AttachmentRef]:
    photos = [a for a in article.attachments if a.content_type.startswith("image/")]
    return photos[: images_used(NAME, len(photos))]


def text_for(article: ArticleApprovedV1, link: str) -> str:
    return outgoing_text(NAME, headline=article.headline, summary=article.summary, link=link,
                         tags=article.tags, image_count=len(photos_of(article)),
                         channel_texts=article.channel_texts, body_html=article.body_html)


def correction_text(article: ArticleCorrectedV1, link: str) -> str:
    """ "Ralat: <note>" and the link, within 280 as X counts (the link counts 23)."""
    limit = LIMITS[NAME].max_chars
    note = " ".join(article.correction_note.split())
    room = limit - len("\n\n") - count(NAME, link)
    return f"{shorten(NAME, f'Ralat: {note}', room)}\n\n{link}"


class XChannel:
    name = NAME
    capabilities = Capabilities(can_edit=False, can_delete=True, manual_hint=EDIT_HINT)

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.context = context
        self.client = XClient(http, credentials, context.save_credentials)
        self.public = credentials.public_url_base.rstrip("/")

    async def _me(self) -> dict[str, str]:
        creds = self.client.credentials
        if not (creds.user_id and creds.username):
            # Asked once per adapter, not per post: users/me has its own 15-minute limit.
            data = (await self.client.call("GET", "/2/users/me"))["data"]
            self.client.credentials = self.client.credentials.model_copy(update={
                "user_id": str(data["id"]), "username": str(data["username"])})
        creds = self.client.credentials
        return {"id": str(creds.user_id), "username": str(creds.username)}

    def url_of(self, username: str, post_id: str) -> str:
        return f"{self.public}/{username}/status/{post_id}"

    async def check(self) -> str:
        data = (await self.client.call("GET", "/2/users/me"))["data"]
        return f"@{data['username']}"

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        link = self.context.article_link(article.article_id)
        text, photos = text_for(article, link), photos_of(article)
        problems = check(NAME, text=text, image_count=len(photos))
        if problems:  # approval checks this; a stale event must still not half-post
            raise ChannelRefused(problems[0].message, code=problems[0].code)
        me = await self._me()
        media_ids = [await self._upload(photo) for photo in photos]
        body: dict[str, Any] = {"text": text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        try:
            data = (await self.client.call("POST", "/2/tweets", json=body))["data"]
        except ChannelRefused as exc:
            if DUPLICATE not in exc.message:
                raise
            # X refuses the same text twice: most likely our own earlier attempt went out.
            earlier = await self.find_existing(article)
            if earlier is None:
                raise
            return earlier
        post_id = str(data["id"])
        return Posted(external_id=post_id, url=self.url_of(me["username"], post_id),
                      extra={"media_ids": ",".join(media_ids), "username": me["username"]})

    async def _upload(self, photo: AttachmentRef) -> str:
        original = await self.context.fetch_photo(photo)
        data, content_type = await asyncio.to_thread(  # CPU: off the event loop
            partial(within, original, photo.content_type, max_bytes=IMAGE_MAX_BYTES))
        uploaded = await self.client.call(
            "POST", "/2/media/upload", data={"media_category": "tweet_image"},
            files={"media": (f"{photo.id}.jpg", data, content_type)})
        media_id = str(uploaded["data"]["id"])
        if photo.alt_text:
            await self.client.call("POST", "/2/media/metadata", json={
                "id": media_id, "metadata": {"alt_text": {"text": photo.alt_text[:1000]}}})
        return media_id

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        # X's edit window is 30 minutes and needs Premium; a reply in the thread always works.
        link = self.context.article_link(article.article_id)
        body = {"text": correction_text(article, link),
                "reply": {"in_reply_to_tweet_id": posted.external_id}}
        try:
            data = (await self.client.call("POST", "/2/tweets", json=body))["data"]
        except ChannelRefused as exc:
            if DUPLICATE in exc.message:  # this very correction already went out
                return posted
            raise
        replies = [r for r in posted.extra.get("reply_ids", "").split(",") if r]
        return Posted(external_id=posted.external_id, url=posted.url,
                      extra={**posted.extra, "reply_ids": ",".join([*replies, str(data["id"])])})

    async def withdraw(self, posted: Posted) -> None:
        replies = [r for r in posted.extra.get("reply_ids", "").split(",") if r]
        for post_id in [*replies, posted.external_id]:  # the "Ralat" replies too
            try:
                await self.client.call("DELETE", f"/2/tweets/{post_id}")
            except ChannelRefused as exc:
                if exc.code != "404":  # already deleted (by us before a crash, or by hand)
                    raise

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        """The account's recent posts, matched on the article link (X shows it as t.co in the
        text; the original is in entities.urls[].expanded_url)."""
        link = self.context.article_link(article.article_id)
        me = await self._me()
        since = min(article.decided_at, article.publish_at or article.decided_at) - LOOKBACK
        params: dict[str, Any] = {"max_results": 100, "exclude": "replies,retweets",
                                  "tweet.fields": "entities,created_at",
                                  "start_time": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for _ in range(LOOKUP_PAGES):
            try:
                page = await self.client.call("GET", f"/2/users/{me['id']}/tweets",
                                              params=params)
            except ChannelRefused as exc:  # e.g. 403: no read access on this plan
                raise ChannelAmbiguous(
                    "Kiriman terbaru akun X tidak dapat dibaca untuk memastikan artikel ini "
                    f"belum terbit ({exc.message}); periksa https://x.com/{me['username']} "
                    "secara manual.", code="timeline_unreadable") from exc
            for post in page.get("data", []):
                urls = [u.get("expanded_url") for u in post.get("entities", {}).get("urls", [])]
                if link in post.get("text", "") or link in urls:
                    return Posted(external_id=str(post["id"]),
                                  url=self.url_of(me["username"], str(post["id"])),
                                  extra={"username": me["username"], "found": "timeline"})
            following = page.get("meta", {}).get("next_token")
            if not following:
                return None
            params["pagination_token"] = following
        raise ChannelAmbiguous(f"Lebih dari {LOOKUP_PAGES * 100} kiriman X sejak percobaan "
                               "pertama; periksa secara manual apakah artikel ini sudah terbit.",
                               code="lookup_too_long")


def build(credentials: Credentials, http: httpx.AsyncClient,
          context: AdapterContext) -> XChannel:
    return XChannel(credentials, http, context)
