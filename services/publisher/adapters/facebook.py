"""Facebook Page adapter (Graph API): photos uploaded unpublished, then one /feed post.

Token model: a Page token derived from a long-lived User token. Given that User token and the
app's id and secret, the health round renews both before the User token's 60 days end
(docs/channels/sandbox-graph.md, "Tokens"); without them the Page token is taken as one that
does not expire (a System User token, or one derived by hand from a long-lived User token).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import AwareDatetime, BaseModel, SecretStr

from services.publisher.adapters.graph_api import GraphClient, ListingTooLong, is_gone
from services.publisher.adapters.graph_tokens import due, exchange_facebook
from services.publisher.adapters.photo_size import within
from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAmbiguous,
    ChannelAuthFailed,
    ChannelError,
    ChannelRefused,
    Posted,
)
from shared.channel_photos import PHOTO_RULES
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
    # For renewal (all three, or none): the Page token is re-derived from a renewed User token.
    app_id: str | None = None
    app_secret: SecretStr | None = None
    user_token: SecretStr | None = None
    token_expires_at: AwareDatetime | None = None  # the User token's; None = not yet known


def text_for(article: ArticleApprovedV1, link: str) -> str:
    return outgoing_text(NAME, headline=article.headline, summary=article.summary, link=link,
                         tags=article.tags, image_count=len(photos_of(article)),
                         channel_texts=article.channel_texts, body_html=article.body_html)


def photos_of(article: ArticleApprovedV1) -> list[AttachmentRef]:
    """The photos that go out: the first the channel takes (shared.channel_text)."""
    photos = [a for a in article.attachments if a.content_type.startswith("image/")]
    return photos[: images_used(NAME, len(photos))]


def fit_photo(data: bytes, content_type: str) -> tuple[bytes, str]:
    """Page photos must be 4 MB or smaller: shrink a bigger one rather than be refused (so
    approval need not refuse it; shared.channel_photos)."""
    return within(data, content_type, max_bytes=PHOTO_RULES[NAME].max_bytes)


def correction_text(article: ArticleCorrectedV1, link: str) -> str:
    return f"Ralat: {article.correction_note}\n\n{text_for(article, link)}"


class FacebookPage:
    name = NAME
    capabilities = Capabilities(can_edit=True, can_delete=True)

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.page_id, self.context = credentials.page_id, context
        self.credentials, self.http = credentials, http
        self.graph = GraphClient(http, credentials.api_base_url, credentials.page_token)

    async def refresh_token(self, window: timedelta) -> bool:
        """fb_exchange_token for a new long-lived User token, then the Page token from it
        (`GET /{page}?fields=access_token`); both saved sealed before anything uses them."""
        creds, now = self.credentials, datetime.now(UTC)
        if not (creds.app_id and creds.app_secret and creds.user_token):
            return False
        if not due(creds.token_expires_at, window, now):
            return False
        user = await exchange_facebook(self.http, creds.api_base_url, app_id=creds.app_id,
                                       app_secret=creds.app_secret, token=creds.user_token,
                                       now=now)
        as_user = GraphClient(self.http, creds.api_base_url, user.token)
        page = await as_user.call("GET", f"/{self.page_id}", params={"fields": "access_token"})
        if not page.get("access_token"):
            raise ChannelAuthFailed(f"Pengguna token ini tidak mengelola Halaman {self.page_id}; "
                                    "hubungkan ulang Halaman.", code="no_page_token")
        self.credentials = creds.model_copy(update={
            "page_token": SecretStr(str(page["access_token"])), "user_token": user.token,
            "token_expires_at": user.expires_at})
        self.graph = GraphClient(self.http, creds.api_base_url, self.credentials.page_token)
        await self.context.save_credentials(self.credentials)
        return True

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
            original = await self.context.fetch_photo(photo)
            data, content_type = await asyncio.to_thread(  # CPU: off the event loop
                fit_photo, original, photo.content_type)
            uploaded = await self.graph.call(
                "POST", f"/{self.page_id}/photos", data={"published": "false"},
                files={"source": (f"{photo.id}.jpg", data, content_type)})
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
