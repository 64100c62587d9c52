"""Wiring only: settings -> database, broker, use cases, routes -> the ingest app."""

from __future__ import annotations

from fastapi import FastAPI

from services.ingest import consumers
from services.ingest.agenda_api import agenda_router
from services.ingest.api import OPD_ERRORS, reports_router
from services.ingest.attachments.api import attachments_router, files_router
from services.ingest.attachments.repository import AttachmentRepository
from services.ingest.attachments.storage import DirectoryStore
from services.ingest.attachments.uploads import Uploads
from services.ingest.auth import KeyCache, UserTokens, opd_principal_dependency
from services.ingest.config import IngestConfig
from services.ingest.handlers import Reports
from services.ingest.opd_api import admin_router
from services.ingest.opd_auth_api import opd_auth_router
from services.ingest.opd_handlers import OpdAdmin, announce_unversioned
from services.ingest.opd_repository import OpdRepository
from services.ingest.opd_user_api import opd_users_router
from services.ingest.opd_user_wiring import build_opd_users
from services.ingest.projection import StatusProjection
from services.ingest.ratelimit import RateLimiter
from services.ingest.repository import IdempotencyStore, ReportRepository
from services.ingest.request_handlers import OpdRequests
from shared import topics
from shared.accounts import AccountProjection, subscribe_accounts
from shared.audit import AuditLog, install_audit
from shared.auth import install_accounts
from shared.openapi import error_responses
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def create_app(settings: Settings, config: IngestConfig | None = None) -> FastAPI:
    config = config or IngestConfig()
    runtime = ServiceRuntime(settings, consumers.SERVICE)
    accounts = AccountProjection(runtime.mongo.db)
    subscribe_accounts(runtime.bus, consumers.SERVICE, accounts)
    db = runtime.mongo.db
    opds, reports = OpdRepository(db), ReportRepository(db)
    attachments = AttachmentRepository(db, settings.public_base_url)
    store = DirectoryStore(settings.attachments_dir)
    uploads = Uploads(attachments, store, max_pdf_bytes=config.max_pdf_bytes,
                      max_pixels=config.max_image_pixels)
    limiter = RateLimiter(db["rate_windows"], config.ingest_rate_per_second,
                          config.ingest_rate_burst)
    keys = KeyCache(opds, ttl=config.key_cache_seconds)
    users = build_opd_users(runtime, config, opds)
    principal = opd_principal_dependency(opds, limiter, keys,
                                         UserTokens(settings, users.users))
    relay = runtime.relay(reports.collection, topics.REPORTS)
    opd_relay = runtime.relay(opds.opds, topics.OPDS)
    use_cases = Reports(reports, IdempotencyStore(db), attachments, config.report_categories,
                        relay.relay_written)
    consumers.register(runtime.bus, StatusProjection(reports))
    audit_log = AuditLog(runtime)
    app = runtime.build_app(
        title="Warta ingest",
        routers=[
            reports_router(use_cases, OpdRequests(use_cases, config.ingest_request_wait_seconds),
                           principal),
            attachments_router(uploads, principal,
                               {**OPD_ERRORS, **error_responses(400, 413, 415)}),
            files_router(attachments, store),
            agenda_router(reports, principal, {**OPD_ERRORS, **error_responses(422)}),
            admin_router(settings, OpdAdmin(opds, on_revoke=keys.forget,
                                            announce=opd_relay.relay_document)),
            opd_users_router(settings, users),
            opd_auth_router(settings, users, config.ingest_opd_session_hours),
        ],
        on_start=[opds.ensure_indexes, reports.ensure_indexes, limiter.ensure_indexes,
                  lambda: announce_unversioned(opds), audit_log.ensure_indexes,
                  users.users.ensure_indexes],
        body_limit_for=lambda path: settings.max_upload_bytes
        if path.startswith("/v1/attachments") else settings.max_body_bytes,
        deadline_for=lambda path: settings.upload_timeout_seconds
        if path.startswith("/v1/attachments") else settings.request_timeout_seconds,
    )
    install_accounts(app, accounts)  # tokens count only for accounts known here
    install_audit(app, audit_log)
    return app
