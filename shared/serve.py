"""Process entry point shared by the services: settings once, JSON logs, uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logging import configure_logging
from shared.settings import Settings


def serve(service: str, create_app: Callable[[Settings], FastAPI]) -> None:
    settings = Settings()
    configure_logging(service, settings.log_level)
    uvicorn.run(
        create_app(settings), host=settings.bind_host, port=settings.port_of(service),
        log_config=None, access_log=False, timeout_graceful_shutdown=10,
        # The peer stays the peer: the apps apply WARTA_TRUSTED_PROXIES themselves (shared.audit)
        proxy_headers=False,
    )
