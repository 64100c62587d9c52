"""Telegram channel adapter: sendMessage / sendPhoto / sendMediaGroup in HTML parse mode."""

from __future__ import annotations

import asyncio
import html
import json
from functools import partial
from typing import Any

import httpx
from pydantic import BaseModel, SecretStr

from services.publisher.adapters.photo_size import within
from services.publisher.adapters.port import (
    AdapterContext,
    Capabilities,
    ChannelAmbiguous,
    ChannelError,
    ChannelRefused,
    Posted,
)
from services.publisher.adapters.telegram_api import GONE, NOT_MODIFIED, TOO_OLD, TelegramBot
from shared.channel_text import (
    LIMITS,
    check,
    count,
    default_text,
    images_used,
    outgoing_text,
    shorten,
)
from shared.events.articles import ArticleApprovedV1, ArticleCorrectedV1
from shared.events.common import AttachmentRef

NAME = "telegram"
PHOTO_MAX_BYTES, PHOTO_MAX_SIDE_SUM = 10 * 1024 * 1024, 10_000
DELETE_HINT = ("Telegram hanya mengizinkan bot menghapus pesan yang dikirim kurang dari 48 jam "
               "lalu. Setelah itu, hapus pesan di kanal secara manual lewat aplikasi Telegram.")


class Credentials(BaseModel):
    bot_token: SecretStr
    channel_id: str  # "@channelusername" or the numeric "-100…" id (the chat_id Telegram takes)
    channel_username: str | None = None  # for t.me links when channel_id is numeric
    api_base_url: str = "https://api.telegram.org"
    public_url_base: str = "https://t.me"  # where post links point (the sandbox serves them)


def photos_of(article: ArticleApprovedV1) -> list[AttachmentRef]:
    photos = [a for a in article.attachments if a.content_type.startswith("image/")]
    return photos[: images_used(NAME, len(photos))]


def text_for(article: ArticleApprovedV1, link: str, *, reserve: int = 0) -> str:
    """The plain text that goes out (what approval checked, as shared.channel_text counts it)."""
    image_count = len(photos_of(article))
    if reserve:
        return default_text(NAME, headline=article.headline, summary=article.summary,
                            link=link, tags=article.tags, image_count=image_count,
                            body_html=article.body_html, reserve=reserve)
    return outgoing_text(NAME, headline=article.headline, summary=article.summary, link=link,
                         tags=article.tags, image_count=image_count,
                         channel_texts=article.channel_texts, body_html=article.body_html)


def correction_text(article: ArticleCorrectedV1, link: str) -> str:
    """ "Ralat: <note>" above the corrected text, within the same limit."""
    limit = LIMITS[NAME].text_limit(len(photos_of(article)))
    note = shorten(NAME, f"Ralat: {' '.join(article.correction_note.split())}", limit // 2)
    body = text_for(article, link)
    if count(NAME, f"{note}\n\n{body}") > limit:
        body = text_for(article, link, reserve=count(NAME, note) + 2)
    return f"{note}\n\n{body}"


def as_html(text: str, *, bold_first: bool) -> str:
    """Plain text for parse_mode=HTML: everything escaped; the default's headline in bold.
    Tags do not count towards Telegram's limit, so the length checked at approval holds."""
    head, sep, rest = text.partition("\n\n")
    if bold_first and head:
        return f"<b>{html.escape(head, quote=False)}</b>{sep}{html.escape(rest, quote=False)}"
    return html.escape(text, quote=False)


class TelegramChannel:
    name = NAME
    capabilities = Capabilities(can_edit=True, can_delete=True, manual_hint=DELETE_HINT)

    def __init__(self, credentials: Credentials, http: httpx.AsyncClient,
                 context: AdapterContext) -> None:
        self.credentials, self.context = credentials, context
        self.bot = TelegramBot(http, credentials.api_base_url, credentials.bot_token)
        self.chat_id = credentials.channel_id

    def channel_url(self) -> str | None:
        base = self.credentials.public_url_base.rstrip("/")
        username = self.credentials.channel_username or (
            self.chat_id[1:] if self.chat_id.startswith("@") else None)
        if username:
            return f"{base}/{username}"
        if self.chat_id.startswith("-100"):  # a private channel: the link works for members
            return f"{base}/c/{self.chat_id[4:]}"
        return None

    def url_of(self, message_id: str) -> str:
        channel = self.channel_url()
        return f"{channel}/{message_id}" if channel else message_id

    async def check(self) -> str:
        me = await self.bot.call("getMe")
        return str(me.get("username") or me.get("id"))

    async def find_existing(self, article: ArticleApprovedV1) -> Posted | None:
        # The Bot API has no method to read or search a channel's history (updates show only
        # what arrives while a bot is subscribed), so an earlier post cannot be found: refuse
        # to guess and let the queue ask an editor rather than risk a second post.
        raise ChannelAmbiguous(
            "Telegram tidak menyediakan cara bagi bot untuk mencari pesan lama di kanal. "
            f"Periksa kanal {self.channel_url() or self.chat_id} apakah artikel ini sudah "
            "terkirim sebelum mengirim ulang.", code="no_history_search")

    async def publish(self, article: ArticleApprovedV1) -> Posted:
        link = self.context.article_link(article.article_id)
        text, photos = text_for(article, link), photos_of(article)
        problems = check(NAME, text=text, image_count=len(photos))
        if problems:  # approval checks this; a stale event must still not half-post
            raise ChannelRefused(problems[0].message, code=problems[0].code)
        body = as_html(text, bold_first=NAME not in article.channel_texts)
        common = {"chat_id": self.chat_id, "parse_mode": "HTML"}
        if not photos:
            sent = [await self.bot.call("sendMessage", json={**common, "text": body})]
            kind = "text"
        elif len(photos) == 1:
            data = await self.context.fetch_photo(photos[0])
            sent = [await self.bot.call("sendPhoto", data={**common, "caption": body},
                                        files={"photo": await _upload(photos[0], data)})]
            kind = "photo"
        else:
            files = {f"photo{i}": await _upload(p, await self.context.fetch_photo(p))
                     for i, p in enumerate(photos)}
            media = [{"type": "photo", "media": f"attach://photo{i}",
                      **({"caption": body, "parse_mode": "HTML"} if i == 0 else {})}
                     for i in range(len(photos))]
            sent = list(await self.bot.call("sendMediaGroup", files=files, data={
                "chat_id": self.chat_id, "media": json.dumps(media)}))
            kind = "album"
        ids = [str(message["message_id"]) for message in sent]
        return Posted(external_id=ids[0], url=self.url_of(ids[0]),
                      extra={"kind": kind, "message_ids": ",".join(ids),
                             "chat_id": self.chat_id})

    async def correct(self, article: ArticleCorrectedV1, posted: Posted) -> Posted:
        link = self.context.article_link(article.article_id)
        body = as_html(correction_text(article, link), bold_first=False)
        target: dict[str, Any] = {"chat_id": self.chat_id,
                                  "message_id": int(posted.external_id), "parse_mode": "HTML"}
        try:
            if posted.extra.get("kind", "text") == "text":
                await self.bot.call("editMessageText", json={**target, "text": body})
            else:  # the caption sits on the album's first message
                await self.bot.call("editMessageCaption", json={**target, "caption": body})
        except ChannelRefused as exc:
            if NOT_MODIFIED not in exc.message:  # a repeated correction already applied: done
                raise
        return posted

    async def withdraw(self, posted: Posted) -> None:
        ids = (posted.extra.get("message_ids") or posted.external_id).split(",")
        too_old: ChannelError | None = None
        for message_id in ids:  # every message of an album
            try:
                await self.bot.call("deleteMessage", json={
                    "chat_id": self.chat_id, "message_id": int(message_id)})
            except ChannelRefused as exc:
                if any(text in exc.message for text in GONE):
                    continue  # already deleted (by us before a crash, or by hand): done
                if TOO_OLD not in exc.message:
                    raise
                too_old = exc
        if too_old is not None:
            raise ChannelRefused(f"{DELETE_HINT} Pesan: {posted.url}. ({too_old.message})",
                                 code="delete_window_passed")


async def _upload(photo: AttachmentRef, original: bytes) -> tuple[str, bytes, str]:
    """sendPhoto takes at most 10 MB and width + height <= 10,000: shrink rather than fail."""
    data, content_type = await asyncio.to_thread(  # CPU: off the event loop
        partial(within, original, photo.content_type, max_bytes=PHOTO_MAX_BYTES,
                max_side_sum=PHOTO_MAX_SIDE_SUM))
    extension = {"image/png": "png", "image/webp": "webp"}.get(content_type, "jpg")
    return (f"{photo.id}.{extension}", data, content_type)


def build(credentials: Credentials, http: httpx.AsyncClient,
          context: AdapterContext) -> TelegramChannel:
    return TelegramChannel(credentials, http, context)
