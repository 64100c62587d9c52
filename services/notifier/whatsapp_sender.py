"""WhatsApp deliveries: the article as a utility template in Indonesian, errors mapped to what
the notifier does (back off, suppress the number, alert the admins, reconnect the channel)."""

from __future__ import annotations

import logging

from services.notifier import signup_tokens as tokens
from services.notifier.channel_attempts import ChannelFailed, ChannelSent, ChannelSkip
from services.notifier.channel_health import NEEDS_RECONNECT, OK, TEMPLATE_BROKEN, ChannelHealth
from services.notifier.consent_repository import ConsentRepository
from services.notifier.domain import DeliveryState, Kind
from services.notifier.invitation_links import rsvp_page
from services.notifier.whatsapp_client import Action, WhatsAppClient, WhatsAppFailed
from services.notifier.whatsapp_templates import TemplateMismatch, clean_parameter
from shared.envelope import utcnow
from shared.mongo import Database, Document, update_one
from shared.settings import Settings
from shared.vocabulary import DATE_AND_TIME, DEFAULT_ZONE, format_local

log = logging.getLogger("warta.notifier.whatsapp")

CHANNEL = "whatsapp"
PAIR_INTERVAL = 6.0  # seconds: Meta's pair rate limit, about one message per 6 s per number
RECONNECT_PAUSE = 300.0  # seconds: an admin renews the token; until then nothing can go out


def template_for(kind: Kind, article: Document, rsvp_url: str = "-"
                 ) -> tuple[str, list[str]]:
    """The template and its parameters; `rsvp_url` is the recipient's RSVP page (invitations)."""
    approved = article["approved"]
    opd = clean_parameter(approved["opd"]["name"])
    headline = clean_parameter(approved["headline"])
    url = clean_parameter((article.get("published") or {}).get("url") or "-", 500)
    if kind is Kind.INVITATION:
        invitation = approved.get("press_invitation") or {}
        starts = invitation.get("starts_at")
        when = (format_local(starts, approved["opd"].get("timezone") or DEFAULT_ZONE, DATE_AND_TIME)
                if starts else "-")
        return "undangan_liputan_rsvp", [opd, headline, when,
                                         clean_parameter(invitation.get("location") or "-"),
                                         clean_parameter(rsvp_url, 600)]
    if kind is Kind.CORRECTION:
        return "ralat", [opd, headline, url]
    if kind is Kind.WITHDRAWAL:
        return "penarikan_berita", [opd, headline]
    return "siaran_pers", [opd, headline, url]


class WhatsAppSender:
    def __init__(self, client: WhatsAppClient, db: Database, health: ChannelHealth,
                 consents: ConsentRepository, settings: Settings) -> None:
        self.client, self.health, self.consents = client, health, consents
        self.settings = settings
        self.journalists = db["journalists"]

    async def send(self, delivery: Document, article: Document,
                   journalist: Document) -> ChannelSent:
        if not journalist.get("whatsapp_confirmed_at") or journalist.get("whatsapp_suppressed"):
            raise ChannelSkip(DeliveryState.SUPPRESSED, "the WhatsApp number is not usable")
        try:
            kind = Kind(delivery["kind"])
            rsvp = rsvp_page(self.settings, delivery) if kind is Kind.INVITATION else "-"
            name, parameters = template_for(kind, article, rsvp)
            sent = await self.client.send_template(journalist["whatsapp"], name, parameters,
                                                   delivery["_id"])
        except TemplateMismatch as exc:  # checked before sending: a bug or a changed template
            await self.health.mark(CHANNEL, TEMPLATE_BROKEN, str(exc))
            raise ChannelFailed(f"template check: {exc}", permanent=True) from exc
        except WhatsAppFailed as exc:
            await self._handle(exc, journalist)
            pause = {Action.BACK_OFF: PAIR_INTERVAL, Action.RECONNECT: RECONNECT_PAUSE}
            raise ChannelFailed(exc.error, permanent=exc.permanent,
                                retry_after=pause.get(exc.action)) from exc
        await self.health.mark(CHANNEL, OK)
        return ChannelSent(answer=f"accepted {sent.message_id}", provider_id=sent.message_id)

    async def _handle(self, exc: WhatsAppFailed, journalist: Document) -> None:
        if exc.action is Action.UNDELIVERABLE:
            await self.suppress_number(journalist["_id"], journalist["whatsapp"])
        elif exc.action is Action.TEMPLATE_BROKEN:
            await self.health.mark(CHANNEL, TEMPLATE_BROKEN, exc.error)
        elif exc.action is Action.RECONNECT:
            await self.health.mark(CHANNEL, NEEDS_RECONNECT, exc.error)

    async def suppress_number(self, journalist_id: str, number: str) -> None:
        """No WhatsApp on that number: never tried again, for this journalist or a re-import."""
        await self.consents.suppress(tokens.address_hash(number), CHANNEL, "undeliverable")
        await update_one(self.journalists, {"_id": journalist_id},
                         {"$set": {"whatsapp_suppressed": True, "updated_at": utcnow()}})
        log.warning("WhatsApp number suppressed", extra={"journalist_id": journalist_id})
