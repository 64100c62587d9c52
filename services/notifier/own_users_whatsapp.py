"""Messages to Warta's own users on WhatsApp, where a number is set: the approved utility
templates in Indonesian, errors mapped as for journalists (back off, template misconfigured or
token dead: the channel's health alerts the admins). Quiet hours are the journalists' own
choice: staff alerts never wait for them."""

from __future__ import annotations

import logging
from typing import Any

from services.notifier.channel_attempts import ChannelFailed, ChannelSent
from services.notifier.channel_health import NEEDS_RECONNECT, OK, TEMPLATE_BROKEN, ChannelHealth
from services.notifier.domain import DeliveryState
from services.notifier.own_users_handlers import BEHIND, HEALTH, PUBLISHED, REJECTED, RETURNED
from services.notifier.signup_schemas import e164
from services.notifier.whatsapp_client import Action, WhatsAppClient, WhatsAppFailed
from services.notifier.whatsapp_sender import PAIR_INTERVAL, RECONNECT_PAUSE
from services.notifier.whatsapp_templates import TemplateMismatch, clean_parameter
from shared.envelope import utcnow
from shared.mongo import Document

log = logging.getLogger("warta.notifier.own_users")

WHATSAPP = "whatsapp"
# A template's body is at most 1,024 characters with its parameters filled in: the headline
# (200) and the links (600) leave room for the fixed text.
LINKS_CHARS = 600


def _param(value: object, limit: int = 200) -> str:
    """A body parameter; never empty (WhatsApp refuses an empty one, and one message's empty
    field must not look like a broken template)."""
    return clean_parameter("" if value is None else str(value), limit) or "-"


def staff_number(raw: object) -> str | None:
    """The recipient's number as E.164 (0812... -> +62812...), or None: no WhatsApp then."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return e164(raw)
    except ValueError:
        log.warning("own user's phone number is not usable for WhatsApp")
        return None


def template_for(kind: str, shown: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The template and its body parameters for one message (`shown`: own_users_mail.view),
    or None when that kind goes by email only."""
    console = _param(shown["console_url"], 500)
    if kind == HEALTH:
        return "kesehatan_kanal", [_param(shown["channel"]),
                                   _param(shown["health_label"]),
                                   _param(shown["previous_label"]),
                                   _param(shown.get("reason") or "-"), console]
    if kind in (RETURNED, REJECTED):
        name = "laporan_dikembalikan" if kind == RETURNED else "laporan_ditolak"
        return name, [_param(shown["report_id"]),
                      _param(shown.get("reason") or "-", 500), console]
    if kind == PUBLISHED:
        links = "; ".join(f"{link['channel']}: {link['url']}" for link in shown["links"])
        return "laporan_terbit", [_param(shown["headline"]),
                                  _param(links or console, LINKS_CHARS)]
    if kind == BEHIND:
        return "kepatuhan_tertinggal", [_param(shown["month"]),
                                        _param(shown["name"]),
                                        _param(shown["published"]), _param(shown["target"])]
    return None


def twin(record: Document, phone: str) -> Document:
    """The WhatsApp copy of an email record: its own `_id` (created once), state and lease."""
    return {**record, "_id": f"{record['_id']}:{WHATSAPP}", "channel": WHATSAPP,
            "to_phone": phone, "state": DeliveryState.PENDING.value, "attempts": 0,
            "next_attempt_at": utcnow(), "lease_owner": None, "lease_until": None,
            "sent_at": None, "error": None}


class StaffWhatsApp:
    def __init__(self, client: WhatsAppClient, health: ChannelHealth) -> None:
        self.client, self.health = client, health

    @property
    def configured(self) -> bool:
        return self.client.configured

    async def send(self, record: Document, phone: str, shown: dict[str, Any]) -> ChannelSent:
        """The provider's answer and message id (its statuses come back by the webhook);
        ChannelFailed (permanent or not, with a pause) otherwise."""
        chosen = template_for(record["kind"], shown)
        if chosen is None:
            raise ChannelFailed(f"no WhatsApp template for {record['kind']}", permanent=True)
        try:
            sent = await self.client.send_template(phone, chosen[0], chosen[1], record["_id"])
        except TemplateMismatch as exc:  # checked before sending: a bug or a changed template
            await self.health.mark(WHATSAPP, TEMPLATE_BROKEN, str(exc))
            raise ChannelFailed(f"template check: {exc}", permanent=True) from exc
        except WhatsAppFailed as exc:
            if exc.action is Action.TEMPLATE_BROKEN:
                await self.health.mark(WHATSAPP, TEMPLATE_BROKEN, exc.error)
            elif exc.action is Action.RECONNECT:
                await self.health.mark(WHATSAPP, NEEDS_RECONNECT, exc.error)
            pause = {Action.BACK_OFF: PAIR_INTERVAL, Action.RECONNECT: RECONNECT_PAUSE}
            raise ChannelFailed(exc.error, permanent=exc.permanent,
                                retry_after=pause.get(exc.action)) from exc
        await self.health.mark(WHATSAPP, OK)
        return ChannelSent(answer=f"accepted {sent.message_id}", provider_id=sent.message_id)
