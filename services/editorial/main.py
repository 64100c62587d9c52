"""Wiring only: settings -> database, broker, use cases, routes -> the editorial app."""

from __future__ import annotations

from fastapi import FastAPI

from services.editorial import consumers
from services.editorial.api import build_router
from services.editorial.decisions import Decisions
from services.editorial.intake import Intake
from services.editorial.repository import ArticleRepository, EditorRepository
from shared import topics
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    articles = ArticleRepository(runtime.mongo.db)
    editors = EditorRepository(runtime.mongo.db)
    relay = runtime.relay(articles.collection, topics.ARTICLES)
    decisions = Decisions(articles, relay.relay_document)
    consumers.register(runtime.bus, Intake(articles))
    return runtime.build_app(
        title="Warta editorial",
        routers=[build_router(settings, decisions, articles, editors)],
        on_start=[articles.ensure_indexes],
    )
