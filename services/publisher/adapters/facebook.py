"""Facebook Page adapter (Graph API): photos uploaded unpublished, then one /feed post."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from pydantic import BaseModel, SecretStr

from services.publisher.adapters.graph_api import GraphClient, ListingTooLong, is_gone
from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    Posted,
)
from shared.channel_text import check, images_used, outgoing_text
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef

NAME = "facebook"
LOOKBACK = timedelta(minutes=10)  # clock skew between us and Meta, and a slow first attempt
LOOKUP_PAGES = 10                 # of 100 posts each


class Credentials(BaseModel):
    page_id: str
    page_token: SecretStr
    api_base_url: str = "https://graph.facebook.com/v24.0"


def text_for(article: ArticleApprovedV1, link: str) -> str:
    return outgoing_text(NAME, headline=article.headline, summary=article.summary, link=link,
                         tags=article.tags, image_count=len(photos_of(article)),
                         channel_texts=article.channel_texts, body_html=article.body_html)


def photos_of(article: ArticleApprovedV1) -> list[AttachmentRef]:
    """The photos that go out: the first the channel takes (shared.channel_text)."""
    photos = [a for a in article.attachments if a.content_type.startswith("image/")]
    return photos[: images_used(NAME, len(photos))]


def correction_text(article: ArticleCorrectedV1, link: str) -> str:
    return f"Ralat: {article.correction_note}\n\n{text_for(article, link)}"


class FacebookPage:
    name = NAME
    capabilities = Capabilities(can_edit=True, can_delete=True)

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.page_id, self.context = credentials.page_id, context
        self.graph = GraphClient(http, credentials.api_base_url, credentials.page_token)

    async def check(self) -> str:
        me = await self.graph.call("GET", "/me", params={"fields": "id,name"})
        if str(me.get("id")) != self.page_id:
            # A user token where a Page token belongs: posts would go nowhere or fail later.
            raise ChannelAuthFailed(f"Token ini bukan token Halaman {self.page_id} "
                                    f"(milik {me.get('id')}); hubungkan ulang Halaman.",
                                    code="not_page_token")
        return str(me.get("name", self.page_id))

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        link = self.context.article_link(article.article_id)
        message = text_for(article, link)
        photos = photos_of(article)
        problems = check(NAME, text=message, image_count=len(photos))
        if problems:  # approval checks this; a stale event must still not half-post
            raise ChannelRefused(problems[0].message, code=problems[0].code)
        photo_ids = []
        for photo in photos:
            data = await self.context.fetch_photo(photo)
            uploaded = await self.graph.call(
                "POST", f"/{self.page_id}/photos", data={"published": "false"},
                files={"source": (f"{photo.id}.jpg", data, photo.content_type)})
            photo_ids.append(str(uploaded["id"]))
        form = {"message": message}
        if photo_ids:
            form.update({f"attached_media[{i}]": json.dumps({"media_fbid": pid})
                         for i, pid in enumerate(photo_ids)})
        else:
            form["link"] = link
        post_id = str((await self.graph.call("POST", f"/{self.page_id}/feed", data=form))["id"])
        return Posted(external_id=post_id, url=await self._permalink(post_id),
                      extra={"photo_ids": ",".join(photo_ids)})

    async def _permalink(self, post_id: str) -> str:
        try:
            post = await self.graph.call("GET", f"/{post_id}",
                                         params={"fields": "permalink_url"})
            return str(post["permalink_url"])
        except (ChannelError, KeyError):
            return f"https://www.facebook.com/{post_id}"  # posted all the same: never fail now

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        link = self.context.article_link(article.article_id)
        await self.graph.call("POST", f"/{posted.external_id}",
                              data={"message": correction_text(article, link)})
        return posted

    async def withdraw(self, posted: Posted) -> None:
        try:
            await self.graph.call("DELETE", f"/{posted.external_id}")
        except ChannelError as exc:
            if not is_gone(exc):  # already deleted (by us before a crash, or by hand): done
                raise

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        link = self.context.article_link(article.article_id)
        expected = text_for(article, link).strip()
        started = min(article.decided_at, article.publish_at or article.decided_at) - LOOKBACK
        params = {"fields": "id,message,permalink_url,created_time", "limit": 100,
                  "since": int(started.timestamp())}
        try:
            async for posts in self.graph.pages(f"/{self.page_id}/posts", params, LOOKUP_PAGES):
                for post in posts:
                    message = str(post.get("message", ""))
                    if link in message or message.strip() == expected:
                        return Posted(external_id=str(post["id"]),
                                      url=str(post.get("permalink_url")
                                              or f"https://www.facebook.com/{post['id']}"))
        except ListingTooLong as exc:
            raise ChannelAmbiguous(f"Halaman memuat lebih dari {LOOKUP_PAGES * 100} kiriman "
                                   "sejak percobaan pertama; periksa manual apakah artikel ini "
                                   "sudah terbit.", code="lookup_too_long") from exc
        return None


def build(credentials: Credentials, http: httpx.AsyncClient,
          context: AdapterContext) -> FacebookPage:
    return FacebookPage(credentials, http, context)
