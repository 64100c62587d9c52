"""Wiring only: settings -> database, broker, use cases, routes -> the editorial app."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.editorial import article_query, consumers
from services.editorial.account_api import accounts_router, auth_router
from services.editorial.account_handlers import Accounts
from services.editorial.account_repository import AccountRepository
from services.editorial.agenda_api import agenda_router
from services.editorial.agenda_handlers import Agenda
from services.editorial.api import build_router
from services.editorial.audit_api import audit_router
from services.editorial.audit_consumer import register_audit
from services.editorial.audit_repository import AuditView
from services.editorial.channel_health_api import channel_health_router
from services.editorial.channel_health_repository import ChannelHealthView
from services.editorial.comment_repository import CommentRepository
from services.editorial.compliance_api import compliance_router
from services.editorial.compliance_handlers import Compliance
from services.editorial.compliance_repository import ComplianceRepository
from services.editorial.content_api import content_router
from services.editorial.content_handlers import Edits
from services.editorial.handlers import Decisions
from services.editorial.intake import Intake
from services.editorial.login import LoginGuard
from services.editorial.opd_projection import OpdDirectory
from services.editorial.opd_request_api import opd_requests_router
from services.editorial.opd_requests import OpdRequests
from services.editorial.repository import ArticleRepository
from services.editorial.second_factor import SecondFactor
from services.editorial.totp_api import totp_reset_router, totp_router
from services.editorial.totp_repository import TotpRepository, totp_sealer
from services.editorial.whatsapp_api import whatsapp_router
from shared import topics
from shared.audit import AuditLog, install_audit
from shared.auth import install_accounts
from shared.login_failures import LoginFailures
from shared.runtime import ServiceRuntime
from shared.settings import Settings

LOGIN_WINDOW = timedelta(minutes=5)  # failed logins count against the limit this long


def create_app(settings: Settings) -> FastAPI:
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    articles = ArticleRepository(runtime.mongo.db)
    relay = runtime.relay(articles.collection, topics.ARTICLES)
    decisions = Decisions(articles, relay.relay_document,
                          claim_minutes=settings.editorial_claim_minutes,
                          second_eyes=settings.editorial_second_eyes,
                          website_base_url=settings.website_base_url)
    comments = CommentRepository(runtime.mongo.db)
    opd_requests = OpdRequests(articles, relay.relay_document)
    opds = OpdDirectory(runtime.mongo.db)
    channel_health = ChannelHealthView(runtime.mongo.db)
    consumers.register(runtime.bus, Intake(articles, opd_requests), opds, channel_health)
    compliance_store = ComplianceRepository(runtime.mongo.db)
    compliance = Compliance(compliance_store, opds, runtime.relay(
        compliance_store.reminders, topics.OPDS).relay_document,
        settings.editorial_compliance_reminder_day)
    agenda = Agenda(articles, relay.relay_document, settings.editorial_timezone)
    runtime.background(lambda: compliance.run_forever(settings.editorial_compliance_check_seconds))
    audit_log, audit_view = AuditLog(runtime), AuditView(runtime.mongo.db)
    register_audit(runtime.bus, audit_view)
    account_store = AccountRepository(runtime.mongo.db)  # editorial owns the accounts
    login_failures = LoginFailures(runtime.mongo.db, LOGIN_WINDOW)
    guard = LoginGuard(login_failures)
    # No private key outside local development: refuse to start (totp_sealer).
    second = SecondFactor(settings, TotpRepository(runtime.mongo.db, totp_sealer(settings)),
                          account_store, guard)
    accounts = Accounts(account_store, runtime.relay(account_store.collection,
                                                     topics.ACCOUNTS).relay_document)
    app = runtime.build_app(
        title="Warta editorial",
        routers=[build_router(settings, decisions, articles, channel_health),
                 content_router(settings, Edits(decisions, comments)),
                 opd_requests_router(settings, opd_requests),
                 compliance_router(settings, compliance),
                 agenda_router(settings, agenda),
                 auth_router(settings, account_store, guard, second),
                 totp_router(settings, second),
                 totp_reset_router(settings, second, account_store),
                 accounts_router(settings, accounts),
                 audit_router(settings, audit_view),
                 channel_health_router(settings, channel_health),
                 whatsapp_router(settings, decisions)],
        on_start=[articles.ensure_indexes, comments.ensure_indexes,
                  account_store.ensure_indexes, opds.ensure_indexes,
                  compliance_store.ensure_indexes, agenda.ensure_indexes,
                  lambda: article_query.ensure_indexes(articles.collection),
                  audit_log.ensure_indexes, audit_view.ensure_indexes,
                  login_failures.ensure_indexes],
    )
    install_accounts(app, account_store)
    install_audit(app, audit_log)
    return app
