"""Wiring only: settings -> database, broker, channels, use cases, routes -> the publisher app."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import FastAPI

from services.publisher import channels, consumers
from services.publisher.api import build_router, public_router
from services.publisher.handlers import Publishing
from services.publisher.repository import FeedRepository, PublicationRepository
from shared import topics
from shared.accounts import AccountProjection, subscribe_accounts
from shared.auth import install_accounts
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def create_app(settings: Settings, scheduler_seconds: float = 1.0) -> FastAPI:
    present = channels.configured(settings)  # a half-configured channel refuses to start
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    accounts = AccountProjection(runtime.mongo.db)
    subscribe_accounts(runtime.bus, consumers.SERVICE, accounts)
    publications = PublicationRepository(runtime.mongo.db)
    feed = FeedRepository(runtime.mongo.db)
    adapters = channels.adapters(settings, feed)
    relay = runtime.relay(publications.collection, topics.PUBLICATIONS)
    publishing = Publishing(publications, feed, adapters, present, relay.relay_document)
    consumers.register(runtime.bus, publishing)
    runtime.background(partial(publishing.run_scheduler, scheduler_seconds))

    def readiness() -> dict[str, Any]:
        return {"channels": channels.channel_report(present, adapters)}

    app = runtime.build_app(
        title="Warta publisher",
        routers=[build_router(settings, publishing, publications),
                 public_router(settings, feed)],
        on_start=[publications.ensure_indexes, feed.ensure_indexes],
        readiness_extra=readiness,
    )
    install_accounts(app, accounts)  # tokens count only for accounts known here
    return app
