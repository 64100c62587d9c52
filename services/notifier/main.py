"""Wiring only: settings -> database, broker, mailer, use cases, routes -> the notifier app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.notifier import consumers, domain
from services.notifier.api import build_public_router, build_router
from services.notifier.digest_wiring import build_jobs
from services.notifier.handlers import Notifications
from services.notifier.invitation_links import PartnerJournalists
from services.notifier.journalists import Journalists
from services.notifier.mailer import Mailer
from services.notifier.own_users_wiring import build_own_users
from services.notifier.partner_wiring import build_partners
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from services.notifier.rsvp_api import build_rsvp_router, ensure_rsvp_indexes
from services.notifier.sender import Sender
from services.notifier.signup_wiring import build_signup
from shared import topics
from shared.accounts import AccountProjection, subscribe_accounts
from shared.audit import AuditLog, install_audit
from shared.auth import install_accounts
from shared.runtime import ServiceRuntime
from shared.settings import Settings

RETRY_SWEEP_SECONDS = 2.0


def create_app(settings: Settings, *, backoff_base: float = domain.DEFAULT_BACKOFF_BASE,
               sweep_seconds: float = RETRY_SWEEP_SECONDS) -> FastAPI:
    """`backoff_base`/`sweep_seconds` are injectable so tests can retry within seconds."""
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    accounts = AccountProjection(runtime.mongo.db)
    subscribe_accounts(runtime.bus, consumers.SERVICE, accounts)
    journalist_repo = JournalistRepository(runtime.mongo.db)
    articles = ArticleRepository(runtime.mongo.db)
    deliveries = DeliveryRepository(runtime.mongo.db)
    relay = runtime.relay(deliveries.collection, topics.NOTIFICATIONS)
    mailer = Mailer(settings)
    signup = build_signup(runtime, runtime.mongo.db, settings, mailer, backoff_base)
    sender = Sender(settings, journalist_repo, articles, deliveries, mailer=mailer,
                    relay=relay.relay_document, backoff_base=backoff_base,
                    channels=signup.channels,
                    partners=PartnerJournalists(runtime.mongo.db))
    jobs = build_jobs(runtime, settings, mailer, journalists=journalist_repo,
                      articles=articles, deliveries=deliveries)
    notifications = Notifications(journalist_repo, articles, deliveries, wake=sender.wake,
                                  digests=jobs.digests)
    journalists = Journalists(settings, journalist_repo, added=signup.confirmations.wake,
                              suppressed=signup.suppressed)
    consumers.register(runtime.bus, notifications)
    runtime.background(lambda: sender.retry_forever(sweep_seconds))
    own_users = build_own_users(runtime, settings, mailer, sweep_seconds=sweep_seconds,
                                backoff_base=backoff_base)
    runtime.background(mailer.probe_forever)
    partners = build_partners(runtime.mongo.db, settings)

    def readiness() -> dict[str, Any]:
        return {"smtp": mailer.last_probe}

    audit_log = AuditLog(runtime)
    app = runtime.build_app(
        title="Warta notifier",
        routers=[build_router(settings, journalists, deliveries),
                 build_public_router(journalists), *signup.routers, *partners.routers,
                 *own_users.routers,
                 build_rsvp_router(settings, runtime.mongo.db), *jobs.routers],
        on_start=[journalist_repo.ensure_indexes, deliveries.ensure_indexes,
                  *signup.on_start, *own_users.on_start, *partners.on_start, *jobs.on_start,
                  lambda: ensure_rsvp_indexes(runtime.mongo.db),
                  audit_log.ensure_indexes],
        readiness_extra=readiness,
    )
    install_accounts(app, accounts)  # tokens count only for accounts known here
    install_audit(app, audit_log)
    return app
