"""Wiring only: settings -> database, broker, use cases, routes -> the editorial app."""

from __future__ import annotations

from fastapi import FastAPI

from services.editorial import consumers
from services.editorial.account_api import accounts_router, auth_router
from services.editorial.account_handlers import Accounts
from services.editorial.account_repository import AccountRepository
from services.editorial.api import build_router
from services.editorial.handlers import Decisions
from services.editorial.intake import Intake
from services.editorial.repository import ArticleRepository
from shared import topics
from shared.auth import install_accounts
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    articles = ArticleRepository(runtime.mongo.db)
    relay = runtime.relay(articles.collection, topics.ARTICLES)
    decisions = Decisions(articles, relay.relay_document)
    consumers.register(runtime.bus, Intake(articles))
    account_store = AccountRepository(runtime.mongo.db)  # editorial owns the accounts
    accounts = Accounts(account_store, runtime.relay(account_store.collection,
                                                     topics.ACCOUNTS).relay_document)
    app = runtime.build_app(
        title="Warta editorial",
        routers=[build_router(settings, decisions, articles),
                 auth_router(settings, account_store), accounts_router(settings, accounts)],
        on_start=[articles.ensure_indexes, account_store.ensure_indexes],
    )
    install_accounts(app, account_store)
    return app
