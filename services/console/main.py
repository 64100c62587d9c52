"""Wiring only: settings -> the console's database, the API gateway, sign-in, pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.console import (
    admin_pages,
    article_action_pages,
    auth_pages,
    compliance_pages,
    desk_pages,
    opd_admin_pages,
    opd_form_pages,
    opd_pages,
    opd_report_pages,
    opd_user_pages,
    web,
)
from services.console.attempt_repository import AttemptRepository
from services.console.desk import Desk
from services.console.gateway import Gateway
from services.console.handlers import SignIn
from services.console.opd_desk import OpdDesk
from services.console.reveal_repository import RevealRepository
from services.console.session_repository import SessionRepository
from shared.audit import trusted_set
from shared.runtime import ServiceRuntime
from shared.settings import DEV_CONSOLE_SECRET, MIN_SECRET_LENGTH, Settings

SERVICE = "console"
STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings) -> FastAPI:
    _refuse_default_secret(settings)
    runtime = ServiceRuntime(settings, SERVICE)
    sessions = SessionRepository(runtime.mongo.db)
    attempts = AttemptRepository(
        runtime.mongo.db, timedelta(seconds=settings.console_login_window_seconds))
    http = httpx.AsyncClient(timeout=httpx.Timeout(8.0, connect=3.0))
    gateway = Gateway(http, settings.console_api_url)
    sign_in = SignIn(settings, gateway, sessions, attempts)
    reveals = RevealRepository(runtime.mongo.db)
    desk = Desk(sign_in, gateway)
    opd_desk = OpdDesk(sign_in, gateway)

    async def indexes() -> None:
        await sessions.ensure_indexes()
        await attempts.ensure_indexes()
        await reveals.ensure_indexes()

    app = runtime.build_app(
        title="Warta console",
        routers=[auth_pages.build_router(sign_in), desk_pages.build_router(desk),
                 article_action_pages.build_router(desk),
                 compliance_pages.build_router(desk), admin_pages.build_router(desk),
                 opd_admin_pages.build_router(desk, reveals), opd_user_pages.build_router(desk),
                 opd_pages.build_router(opd_desk),
                 # the form's fixed paths (/laporan/baru) before /laporan/{report_id}
                 opd_form_pages.build_router(opd_desk), opd_report_pages.build_router(opd_desk)],
        on_start=[indexes])
    app.mount(f"{web.PREFIX}/static", StaticFiles(directory=STATIC), name="static")
    web.install(app, trusted_set(settings.trusted_proxies))
    opd_pages.install(app)
    return app


def _refuse_default_secret(settings: Settings) -> None:
    secret = settings.console_session_secret.get_secret_value()
    if secret == DEV_CONSOLE_SECRET and not settings.local_development():
        raise ValueError("WARTA_CONSOLE_SESSION_SECRET must be set to a private value: its "
                         "default works only with WARTA_ENV=development on loopback")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"WARTA_CONSOLE_SESSION_SECRET must be at least {MIN_SECRET_LENGTH} "
                         "characters")
