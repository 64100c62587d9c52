"""Wiring only: settings -> database, broker, mailer, use cases, routes -> the notifier app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.notifier import consumers, domain
from services.notifier.api import build_public_router, build_router
from services.notifier.handlers import Notifications
from services.notifier.journalists import Journalists
from services.notifier.mailer import Mailer
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from services.notifier.sender import Sender
from shared import topics
from shared.accounts import AccountProjection, subscribe_accounts
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
    sender = Sender(settings, journalist_repo, articles, deliveries, mailer=mailer,
                    relay=relay.relay_document, backoff_base=backoff_base)
    notifications = Notifications(journalist_repo, articles, deliveries, wake=sender.wake)
    journalists = Journalists(settings, journalist_repo)
    consumers.register(runtime.bus, notifications)
    runtime.background(lambda: sender.retry_forever(sweep_seconds))
    runtime.background(mailer.probe_forever)

    def readiness() -> dict[str, Any]:
        return {"smtp": mailer.last_probe}

    app = runtime.build_app(
        title="Warta notifier",
        routers=[build_router(settings, journalists, deliveries),
                 build_public_router(journalists)],
        on_start=[journalist_repo.ensure_indexes, deliveries.ensure_indexes],
        readiness_extra=readiness,
    )
    install_accounts(app, accounts)  # tokens count only for accounts known here
    return app
