"""Wiring of the messages to Warta's own users: repositories, consumers, the sending loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter

from services.notifier import domain
from services.notifier.channel_health import ChannelHealth
from services.notifier.invitation_api import build_invitation_router
from services.notifier.invitation_changes import InvitationChanges
from services.notifier.invitation_reminders import InvitationFollowUps
from services.notifier.mailer import Mailer
from services.notifier.opd_password_links import PasswordLinks
from services.notifier.own_users_handlers import OwnUsers
from services.notifier.own_users_repository import OpdContacts, OwnMessages
from services.notifier.own_users_sender import OwnUsersSender
from services.notifier.own_users_whatsapp import StaffWhatsApp
from services.notifier.whatsapp_client import WhatsAppClient
from shared import topics
from shared.consumer import subscribe
from shared.events.articles import (
    ARTICLE_APPROVED,
    ARTICLE_CORRECTED,
    ARTICLE_REJECTED,
    ARTICLE_REVISION_REQUESTED,
    ARTICLE_TAKEN_DOWN,
)
from shared.events.channels import CHANNEL_HEALTH_CHANGED
from shared.events.opd_users import OPD_USER_PASSWORD_RESET_REQUESTED
from shared.events.opds import OPD_BEHIND_TARGET, OPD_CHANGED, OPD_REGISTERED
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.runtime import ServiceRuntime
from shared.settings import Settings

# A consumer group of its own: the notifier's main group reads these topics for journalists.
GROUP = "notifier-own-users"


@dataclass
class OwnUsersWiring:
    handlers: OwnUsers
    sender: OwnUsersSender
    on_start: list[Callable[[], Awaitable[None]]]
    routers: list[APIRouter]


def build_own_users(runtime: ServiceRuntime, settings: Settings, mailer: Mailer, *,
                    sweep_seconds: float,
                    backoff_base: float = domain.DEFAULT_BACKOFF_BASE) -> OwnUsersWiring:
    db = runtime.mongo.db
    messages, contacts = OwnMessages(db), OpdContacts(db)
    whatsapp = StaffWhatsApp(WhatsAppClient(settings), ChannelHealth(db))
    sender = OwnUsersSender(settings, messages, contacts, mailer, backoff_base,
                            whatsapp=whatsapp)
    handlers = OwnUsers(settings, db, messages, contacts, wake=sender.wake)
    follow_ups = InvitationFollowUps(settings, db, messages, wake=sender.wake)
    changes = InvitationChanges(follow_ups)  # a moved or dropped activity, to those invited
    subscribe(runtime.bus, topics.PUBLICATIONS, GROUP, {
        CHANNEL_HEALTH_CHANGED: handlers.channel_health_changed,
        PUBLICATION_PUBLISHED: handlers.published,
    })
    subscribe(runtime.bus, topics.ARTICLES, GROUP, {
        ARTICLE_REVISION_REQUESTED: handlers.revision_requested,
        ARTICLE_REJECTED: handlers.rejected,
        ARTICLE_TAKEN_DOWN: follow_ups.taken_down,
        ARTICLE_APPROVED: changes.approved,
        ARTICLE_CORRECTED: changes.corrected,
    })
    subscribe(runtime.bus, topics.OPDS, GROUP, {
        OPD_REGISTERED: handlers.opd_state,
        OPD_CHANGED: handlers.opd_state,
        OPD_BEHIND_TARGET: handlers.behind_target,
    })
    subscribe(runtime.bus, topics.OPD_USERS, GROUP, {
        OPD_USER_PASSWORD_RESET_REQUESTED: PasswordLinks(messages, sender.wake).requested,
    })
    runtime.background(lambda: sender.run_forever(sweep_seconds))
    runtime.background(
        lambda: follow_ups.run_forever(settings.notifier_reminder_check_seconds))
    return OwnUsersWiring(handlers, sender, [messages.ensure_indexes],
                          [build_invitation_router(settings, follow_ups)])
