"""Wiring of the sign-up part and the journalists' own channels: repositories, confirmations,
channel senders, routes, start hooks, loops."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from services.notifier import signup_tokens as tokens
from services.notifier.channel_attempts import ChannelSender
from services.notifier.channel_health import ChannelHealth
from services.notifier.consent_repository import ConsentRepository
from services.notifier.mailer import Mailer
from services.notifier.preferences_api import build_preferences_router
from services.notifier.preferences_page import build_preferences_page
from services.notifier.signup_api import build_admin_router, build_signup_router
from services.notifier.signup_handlers import Signups
from services.notifier.signup_repository import SignupRepository
from services.notifier.signup_sender import Confirmations
from services.notifier.telegram_api import build_telegram
from services.notifier.webhook_api import build_webhook_router
from services.notifier.webhook_sender import WebhookSender
from services.notifier.whatsapp_client import WhatsAppClient
from services.notifier.whatsapp_sender import WhatsAppSender
from services.notifier.whatsapp_webhook import build_whatsapp_router
from shared.mongo import Database
from shared.runtime import ServiceRuntime, StartHook
from shared.settings import Settings

CONFIRMATION_SWEEP_SECONDS = 2.0


@dataclass
class SignupPart:
    signups: Signups
    confirmations: Confirmations
    consents: ConsentRepository
    routers: list[APIRouter]
    on_start: list[StartHook]
    channels: dict[str, ChannelSender]
    health: ChannelHealth

    async def suppressed(self, address: str) -> bool:
        return await self.consents.suppressed(tokens.address_hash(address))


def build_signup(runtime: ServiceRuntime, db: Database, settings: Settings, mailer: Mailer,
                 backoff_base: float = 30.0) -> SignupPart:
    repository = SignupRepository(db)
    consents = ConsentRepository(db)
    client = WhatsAppClient(settings)
    confirmations = Confirmations(settings, repository, mailer, client,
                                  backoff_base=backoff_base)
    health = ChannelHealth(db)
    whatsapp = WhatsAppSender(client, db, health, consents, settings)
    telegram = build_telegram(runtime, db, settings, health)
    signups = Signups(settings, repository, consents, confirmations.wake)
    runtime.background(lambda: confirmations.run_forever(CONFIRMATION_SWEEP_SECONDS))
    return SignupPart(signups, confirmations, consents,
                      [build_signup_router(settings, signups),
                       build_admin_router(settings, signups),
                       build_whatsapp_router(settings, db, whatsapp), telegram.router,
                       build_webhook_router(settings, db),
                       build_preferences_router(settings, db),
                       build_preferences_page(settings, db)],
                      [repository.ensure_indexes, consents.ensure_indexes,
                       telegram.ensure_indexes],
                      {"whatsapp": whatsapp, "telegram": telegram.sender,
                       "webhook": WebhookSender(settings, db, mailer)}, health)
