"""Wiring only: settings -> database, broker, channels, use cases, routes -> the publisher app."""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from fastapi import FastAPI

from services.publisher import (
    channels,
    consumers,
    credentials_api,
    fitted_images,
    pressroom_api,
)
from services.publisher.adapters.feed import FeedChannel
from services.publisher.api import build_router, public_router
from services.publisher.channel_adapters import ChannelAdapters
from services.publisher.credentials_handlers import ChannelAdmin
from services.publisher.credentials_repository import ChannelRepository
from services.publisher.handlers import Publishing
from services.publisher.health_handlers import ChannelHealth
from services.publisher.media_api import build_media_router
from services.publisher.pressroom_repository import PressroomRepository
from services.publisher.publish_queue import PublishQueue
from services.publisher.repository import FeedRepository, PublicationRepository
from services.publisher.scheduling import Scheduling
from services.publisher.sealing import sealer
from shared import topics
from shared.accounts import AccountProjection, subscribe_accounts
from shared.audit import AuditLog, install_audit
from shared.auth import install_accounts
from shared.outbound import GuardedTransport
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def create_app(settings: Settings, scheduler_seconds: float = 1.0) -> FastAPI:
    fernet = sealer(settings)  # no key outside development: refuse to start
    channels.seeds(os.environ)  # a half-configured channel refuses to start, named
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    accounts = AccountProjection(runtime.mongo.db)
    subscribe_accounts(runtime.bus, consumers.SERVICE, accounts)
    publications = PublicationRepository(
        runtime.mongo.db, timedelta(seconds=settings.publisher_lease_seconds))
    feed = FeedRepository(runtime.mongo.db)
    press = PressroomRepository(runtime.mongo.db)
    channel_repo = ChannelRepository(runtime.mongo.db)
    timeout = httpx.Timeout(settings.publisher_http_timeout_seconds, connect=10.0)
    http = httpx.AsyncClient(timeout=timeout)  # ingest's photos, on the internal network
    outbound = httpx.AsyncClient(timeout=timeout, transport=GuardedTransport(  # admins' URLs
        allow_loopback=settings.loopback_targets_allowed(),
        allowed_private=settings.publisher_allowed_private_hosts.split(",")))
    media = fitted_images.media_dir(settings.attachments_dir)
    hosted = fitted_images.FittedImages(media, settings.website_base_url)  # Instagram's images
    adapters = ChannelAdapters(channel_repo, fernet, FeedChannel(feed, settings.website_base_url),
                               http, settings.website_base_url, host_image=hosted.host,
                               outbound=outbound)
    relay = runtime.relay(publications.collection, topics.PUBLICATIONS)
    channel_relay = runtime.relay(channel_repo.collection, topics.PUBLICATIONS)
    health = ChannelHealth(channel_repo, adapters, channel_relay.relay_document,
                           refresh_window=timedelta(days=settings.publisher_token_refresh_days))
    queue = PublishQueue(publications, adapters, health, relay.relay_document)
    publishing = Publishing(publications, feed, adapters, queue, relay.relay_document)

    async def kick() -> None:
        for pub_id in await publications.due(publishing.clock(), 50,
                                             await channel_repo.paused()):
            await publishing.post(pub_id)

    admin = ChannelAdmin(channel_repo, publications, health, fernet, kick)
    scheduling = Scheduling(publications, relay.relay_document)
    consumers.register(runtime.bus, publishing, scheduling)
    runtime.background(partial(publishing.run_scheduler, scheduler_seconds))
    runtime.background(partial(health.run_forever, settings.publisher_health_interval))
    state: dict[str, Any] = {"channels": {}}

    async def seed_and_index() -> None:
        await publications.ensure_indexes()
        await feed.ensure_indexes()
        await press.ensure_indexes()
        await admin.seed(os.environ)

    async def readiness_snapshot() -> None:
        state["channels"] = {v["name"]: _ready(v) for v in await admin.views()}

    def readiness() -> dict[str, Any]:
        return {"channels": state["channels"]}

    runtime.background(partial(_every, readiness_snapshot, 2.0))
    audit_log = AuditLog(runtime)
    app = runtime.build_app(
        title="Warta publisher",
        routers=[build_router(settings, publishing, publications, scheduling),
                 credentials_api.build_router(settings, admin),
                 public_router(settings, feed),
                 pressroom_api.build_router(settings, press),
                 build_media_router(media)],
        on_start=[seed_and_index, readiness_snapshot, audit_log.ensure_indexes],
        readiness_extra=readiness,
    )
    install_accounts(app, accounts)  # tokens count only for accounts known here
    install_audit(app, audit_log)
    return app


def _ready(view: dict[str, Any]) -> str:
    """For /readyz: "on", "off", "off: <why>", or "needs_reconnect: <reason>" (still 200)."""
    if not view["enabled"]:
        return "off"
    if not view["adapter"]:
        return "off: channel configured, but this version has no adapter for it yet"
    if view["health"] in ("needs_reconnect", "unreachable"):
        return f"{view['health']}: {view.get('reason') or ''}".strip()
    return "on"


async def _every(action: Any, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        with contextlib.suppress(Exception):  # readiness details only; the next round retries
            await action()
