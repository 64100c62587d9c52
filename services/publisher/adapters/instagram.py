"""Instagram adapter (Graph API content publishing): container(s), poll until FINISHED, publish.

Instagram fetches each image from a public URL: the photos are fitted (image_fit) and hosted by
the publisher (AdapterContext.host_image). A published caption cannot be edited nor the media
deleted through the API (docs/channels/instagram-content-publishing.md): both are manual.
Token: "Instagram API with Instagram Login" (graph.instagram.com, ig_refresh_token) by default;
with an app id and secret, "with Facebook Login" (fb_exchange_token); see graph_tokens.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import AwareDatetime, BaseModel, SecretStr

from services.publisher.adapters import image_fit
from services.publisher.adapters.graph_api import GraphClient, ListingTooLong
from services.publisher.adapters.graph_tokens import due, renew_instagram
from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAmbiguous,
    ChannelError,
    ChannelRefused,
    ChannelUnavailable,
    Posted,
)
from shared.channel_text import check, images_used, outgoing_text
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef

NAME = "instagram"
MANUAL_HINT = ("Instagram tidak mengizinkan mengubah keterangan atau menghapus unggahan lewat "
               "API. Ubah atau hapus unggahan ini secara manual di aplikasi Instagram.")
POLL_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0) + (5.0,) * 10  # ~ 57 s, then retry later
LOOKBACK = timedelta(minutes=10)
LOOKUP_PAGES = 10  # of 50 media each
DAY = 86_400.0


class Credentials(BaseModel):
    user_id: str
    token: SecretStr
    api_base_url: str = "https://graph.instagram.com/v24.0"
    token_expires_at: AwareDatetime | None = None  # None = not yet known: learnt at renewal
    app_id: str | None = None  # with app_secret: a Facebook Login token (graph.facebook.com)
    app_secret: SecretStr | None = None


def photos_of(article: ArticleApprovedV1) -> list[AttachmentRef]:
    photos = [a for a in article.attachments if a.content_type.startswith("image/")]
    return photos[: images_used(NAME, len(photos))]


def caption_for(article: ArticleApprovedV1, link: str) -> str:
    return outgoing_text(NAME, headline=article.headline, summary=article.summary, link=link,
                         tags=article.tags, image_count=len(photos_of(article)),
                         channel_texts=article.channel_texts, body_html=article.body_html)


def _timestamp(raw: object) -> float:
    try:
        return datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return 0.0


class InstagramAccount:
    name = NAME
    capabilities = Capabilities(can_edit=False, can_delete=False, manual_hint=MANUAL_HINT)

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.user_id, self.context = credentials.user_id, context
        self.credentials, self.http = credentials, http
        self.graph = GraphClient(http, credentials.api_base_url, credentials.token)

    async def refresh_token(self, window: timedelta) -> bool:
        creds, now = self.credentials, datetime.now(UTC)
        if not due(creds.token_expires_at, window, now):
            return False
        renewed = await renew_instagram(self.http, creds.api_base_url, token=creds.token,
                                        expires_at=creds.token_expires_at, now=now,
                                        app_id=creds.app_id, app_secret=creds.app_secret)
        self.credentials = creds.model_copy(update={"token": renewed.token,
                                                    "token_expires_at": renewed.expires_at})
        self.graph = GraphClient(self.http, creds.api_base_url, renewed.token)
        await self.context.save_credentials(self.credentials)
        return True

    async def check(self) -> str:
        me = await self.graph.call("GET", f"/{self.user_id}", params={"fields": "id,username"})
        return str(me.get("username", self.user_id))

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        caption = caption_for(article, self.context.article_link(article.article_id))
        photos = photos_of(article)
        problems = check(NAME, text=caption, image_count=len(photos))
        if problems:  # approval checks this; a stale event must still not half-post
            raise ChannelRefused(problems[0].message, code=problems[0].code)
        host = self.context.host_image
        if host is None:
            raise ChannelRefused("Publisher tidak menyajikan gambar publik; Instagram tidak "
                                 "dapat mengambil foto.", code="no_image_host")
        await self._respect_quota()
        images: list[tuple[str, str | None]] = []
        for photo in photos:
            original = await self.context.fetch_photo(photo)
            try:
                jpeg = await asyncio.to_thread(image_fit.fit, original)  # CPU: off the loop
            except image_fit.UnusableImage as exc:
                raise ChannelRefused(f"Foto {photo.id}: {exc.reason}",
                                     code="unusable_image") from exc
            images.append((await host(jpeg), photo.alt_text))
        if len(images) == 1:
            container = await self._container(images[0], caption=caption)
        else:
            children = [await self._container(image, carousel_item=True) for image in images]
            waits = [asyncio.ensure_future(self._wait(child)) for child in children]
            try:
                await asyncio.gather(*waits)
            finally:
                for wait in waits:  # one child failed: stop polling the others
                    wait.cancel()
            container = await self._create({"media_type": "CAROUSEL",
                                            "children": ",".join(children), "caption": caption})
        await self._wait(container)
        published = await self.graph.call("POST", f"/{self.user_id}/media_publish",
                                          data={"creation_id": container})
        media_id = str(published["id"])
        return Posted(external_id=media_id, url=await self._permalink(media_id),
                      extra={"container_id": container})

    async def _container(self, image: tuple[str, str | None], *, caption: str | None = None,
                         carousel_item: bool = False) -> str:
        form = {"image_url": image[0]}
        if image[1]:
            form["alt_text"] = image[1]
        if caption is not None:
            form["caption"] = caption
        if carousel_item:
            form["is_carousel_item"] = "true"
        return await self._create(form)

    async def _create(self, form: dict[str, str]) -> str:
        return str((await self.graph.call("POST", f"/{self.user_id}/media", data=form))["id"])

    async def _wait(self, container: str) -> None:
        for delay in (0.0, *POLL_DELAYS):
            await asyncio.sleep(delay)
            body = await self.graph.call("GET", f"/{container}",
                                         params={"fields": "status_code,status"})
            status = str(body.get("status_code", ""))
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                raise ChannelRefused(f"Instagram gagal memproses media ({status}): "
                                     f"{body.get('status', '')}", code=f"container_{status}")
        raise ChannelUnavailable("Instagram masih memproses media; dicoba lagi nanti.",
                                 code="container_in_progress", retry_after=60.0)

    async def _respect_quota(self) -> None:
        body = await self.graph.call("GET", f"/{self.user_id}/content_publishing_limit",
                                     params={"fields": "quota_usage,config"})
        item = (body.get("data") or [{}])[0]
        usage = int(item.get("quota_usage", 0) or 0)
        total = int((item.get("config") or {}).get("quota_total", 0) or 0)
        if total and usage >= total:
            raise ChannelUnavailable(
                f"Batas harian Instagram tercapai: {usage} dari {total} unggahan dalam 24 jam.",
                code="9/2207042", retry_after=await self._window_frees(total))

    async def _window_frees(self, total: int) -> float:
        """Seconds until the oldest of the last `total` publishes leaves the 24 h window."""
        body = await self.graph.call("GET", f"/{self.user_id}/media",
                                     params={"fields": "timestamp", "limit": min(total, 100)})
        recent = sorted((_timestamp(m.get("timestamp")) for m in body.get("data", [])),
                        reverse=True)
        if len(recent) < total:
            return 3600.0  # not all publishes are visible (stories, other apps): guess an hour
        return max(recent[total - 1] + DAY - time.time(), 60.0)

    async def _permalink(self, media_id: str) -> str:
        try:
            media = await self.graph.call("GET", f"/{media_id}", params={"fields": "permalink"})
            return str(media["permalink"])
        except (ChannelError, KeyError):
            return f"https://www.instagram.com/{media_id}"  # published all the same

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        raise ChannelRefused(f"{MANUAL_HINT} Tautan: {posted.url}", code="manual")

    async def withdraw(self, posted: Posted) -> None:
        raise ChannelRefused(f"{MANUAL_HINT} Tautan: {posted.url}", code="manual")

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        link = self.context.article_link(article.article_id)
        expected = caption_for(article, link).strip()
        started = min(article.decided_at, article.publish_at or article.decided_at) - LOOKBACK
        params = {"fields": "id,caption,permalink,timestamp", "limit": 50,
                  "since": int(started.timestamp())}
        try:
            async for media in self.graph.pages(f"/{self.user_id}/media", params, LOOKUP_PAGES):
                for item in media:
                    caption = str(item.get("caption", ""))
                    if link in caption or caption.strip() == expected:
                        return Posted(external_id=str(item["id"]),
                                      url=str(item.get("permalink") or ""))
                if media and _timestamp(media[-1].get("timestamp")) < started.timestamp():
                    return None  # newest first: everything older than the first attempt seen
        except ListingTooLong as exc:
            raise ChannelAmbiguous("Terlalu banyak unggahan Instagram sejak percobaan pertama; "
                                   "periksa manual apakah artikel ini sudah terbit.",
                                   code="lookup_too_long") from exc
        return None


def build(credentials: Credentials, http: httpx.AsyncClient,
          context: AdapterContext) -> InstagramAccount:
    return InstagramAccount(credentials, http, context)
