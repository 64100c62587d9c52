"""Telegram deliveries to a bound chat: sendMessage in the HTML subset, errors mapped."""

from __future__ import annotations

import html

from services.notifier.channel_attempts import ChannelFailed, ChannelSent, ChannelSkip
from services.notifier.channel_health import NEEDS_RECONNECT, OK, ChannelHealth
from services.notifier.domain import DeliveryState, Kind
from services.notifier.telegram_client import TelegramClient, TelegramFailed
from shared.envelope import utcnow
from shared.mongo import Database, Document, update_one

CHANNEL = "telegram"
TITLES = {Kind.PRESS_RELEASE: "Siaran pers", Kind.INVITATION: "Undangan liputan",
          Kind.CORRECTION: "Ralat siaran pers", Kind.WITHDRAWAL: "Siaran pers ditarik"}


def render(kind: Kind, article: Document) -> str:
    """Only <b> and <a>: the subset Telegram parses; every text is escaped."""
    approved = article["approved"]
    url = (article.get("published") or {}).get("url")
    lines = [f"<b>{TITLES[kind]} — {html.escape(approved['opd']['name'])}</b>",
             html.escape(approved["headline"])]
    if url and kind is not Kind.WITHDRAWAL:
        lines.append(f'<a href="{html.escape(url, quote=True)}">Baca selengkapnya</a>')
    if kind is Kind.WITHDRAWAL:
        lines.append("Mohon tidak dipublikasikan.")
    return "\n\n".join(lines)


class TelegramSender:
    def __init__(self, client: TelegramClient, db: Database, health: ChannelHealth) -> None:
        self.client, self.health = client, health
        self.journalists = db["journalists"]

    async def send(self, delivery: Document, article: Document,
                   journalist: Document) -> ChannelSent:
        chat = journalist.get("telegram_chat_id")
        if not chat or journalist.get("telegram_suppressed"):
            raise ChannelSkip(DeliveryState.SUPPRESSED, "no usable Telegram chat")
        try:
            result = await self.client.call("sendMessage", {
                "chat_id": chat, "text": render(Kind(delivery["kind"]), article),
                "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})
        except TelegramFailed as exc:
            raise await self._failed(exc, journalist) from exc
        await self.health.mark(CHANNEL, OK)
        message_id = str((result or {}).get("message_id", ""))
        return ChannelSent(answer=f"message {message_id}", provider_id=message_id)

    async def _failed(self, exc: TelegramFailed, journalist: Document) -> ChannelFailed:
        if exc.status == 429:
            return ChannelFailed(str(exc), permanent=False, retry_after=exc.retry_after)
        if exc.status == 401:
            await self.health.mark(CHANNEL, NEEDS_RECONNECT, str(exc))
            return ChannelFailed(str(exc), permanent=False, retry_after=300)
        if exc.status == 403:  # blocked the bot: that chat is not usable any more
            await update_one(self.journalists, {"_id": journalist["_id"]},
                             {"$set": {"telegram_suppressed": True, "updated_at": utcnow()}})
            return ChannelFailed(str(exc), permanent=True)
        return ChannelFailed(str(exc), permanent=exc.status < 500)
