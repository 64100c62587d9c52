"""Telegram deliveries to a bound chat: sendMessage in the HTML subset, errors mapped."""

from __future__ import annotations

import html

from services.notifier.channel_attempts import ChannelFailed, ChannelSent, ChannelSkip
from services.notifier.channel_health import NEEDS_RECONNECT, OK, ChannelHealth
from services.notifier.domain import DeliveryState, Kind
from services.notifier.invitation_links import issued_at, rsvp_page
from services.notifier.preferences_api import preferences_link
from services.notifier.telegram_client import TelegramClient, TelegramFailed
from shared.envelope import utcnow
from shared.mongo import Database, Document, update_one
from shared.settings import Settings
from shared.vocabulary import DATE_AND_TIME, DEFAULT_ZONE, format_local

CHANNEL = "telegram"
TITLES = {Kind.PRESS_RELEASE: "Siaran pers", Kind.INVITATION: "Undangan liputan",
          Kind.CORRECTION: "Ralat siaran pers", Kind.WITHDRAWAL: "Siaran pers ditarik"}


def render(kind: Kind, article: Document, rsvp_url: str | None = None,
           preferences_url: str | None = None) -> str:
    """Only <b> and <a>: the subset Telegram parses; every text is escaped. An invitation
    carries its time and place and the recipient's RSVP page (`rsvp_url`); every message the
    recipient's preferences page."""
    approved = article["approved"]
    url = (article.get("published") or {}).get("url")
    lines = [f"<b>{TITLES[kind]} — {html.escape(approved['opd']['name'])}</b>",
             html.escape(approved["headline"])]
    invitation = approved.get("press_invitation") or {}
    if kind is Kind.INVITATION and invitation:
        zone = approved["opd"].get("timezone") or DEFAULT_ZONE
        when = format_local(invitation["starts_at"], zone, DATE_AND_TIME)
        lines.append(html.escape(f"{when}, {invitation.get('location') or '-'}"))
        if rsvp_url:
            lines.append(f'<a href="{html.escape(rsvp_url, quote=True)}">Konfirmasi kehadiran'
                         "</a>")
    if url and kind is not Kind.WITHDRAWAL:
        lines.append(f'<a href="{html.escape(url, quote=True)}">Baca selengkapnya</a>')
    if kind is Kind.WITHDRAWAL:
        lines.append("Mohon tidak dipublikasikan.")
    if preferences_url:
        lines.append(f'<a href="{html.escape(preferences_url, quote=True)}">Atur langganan</a>')
    return "\n\n".join(lines)


class TelegramSender:
    def __init__(self, client: TelegramClient, db: Database, health: ChannelHealth,
                 settings: Settings) -> None:
        self.client, self.health, self.settings = client, health, settings
        self.journalists = db["journalists"]

    async def send(self, delivery: Document, article: Document,
                   journalist: Document) -> ChannelSent:
        chat = journalist.get("telegram_chat_id")
        if not chat or journalist.get("telegram_suppressed"):
            raise ChannelSkip(DeliveryState.SUPPRESSED, "no usable Telegram chat")
        kind = Kind(delivery["kind"])
        rsvp = rsvp_page(self.settings, delivery) if kind is Kind.INVITATION else None
        try:
            result = await self.client.call("sendMessage", {
                "chat_id": chat, "text": render(kind, article, rsvp, preferences_link(
                    self.settings, journalist, issued_at(delivery))),
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
