"""Ingest's own knobs, read once at start-up from `WARTA_*` variables (see `domain`)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.ingest.domain import DEFAULT_CATEGORIES


class IngestConfig(BaseSettings):
    """`WARTA_REPORT_CATEGORIES=a,b,c` (or a JSON list) overrides the default category list."""

    model_config = SettingsConfigDict(env_prefix="WARTA_", extra="ignore")

    report_categories: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CATEGORIES
    # Per API key, across all ingest instances: `burst` requests per window of burst/rate
    # seconds (services/ingest/ratelimit.py), so `rate` is the sustained rate.
    ingest_rate_per_second: float = Field(default=20.0, gt=0)
    ingest_rate_burst: int = Field(default=60, ge=1)
    # How long a key record is trusted without a read; a revocation made elsewhere (the console,
    # another replica) takes effect within this time. 0 = read the key on every request.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=60)
    # Uploads: the whole body is bounded by WARTA_MAX_UPLOAD_BYTES; PDFs have their own cap.
    max_pdf_bytes: int = Field(default=5 * 1_048_576, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=10_000)

    # How long PUT/DELETE of a report waits for editorial's answer before answering 202
    # (the request stays pending and the OPD's GET shows its outcome later). Below the
    # request deadline (WARTA_REQUEST_TIMEOUT_SECONDS).
    ingest_request_wait_seconds: float = Field(default=3.0, ge=0, le=8)

    # OPD user accounts (opd_user_handlers): how long a login lasts; failed logins allowed per
    # username and per client address in a window; password links' lifetimes; reset requests
    # per client address and per email in an hour.
    ingest_opd_session_hours: float = Field(default=8.0, gt=0, le=24)
    ingest_opd_login_failures: int = Field(default=5, ge=1)
    ingest_opd_login_window_minutes: float = Field(default=15.0, gt=0)
    ingest_password_reset_minutes: float = Field(default=30.0, ge=5, le=24 * 60)
    ingest_opd_welcome_hours: float = Field(default=72.0, ge=1, le=14 * 24)
    ingest_password_reset_per_hour: int = Field(default=5, ge=1)

    @field_validator("report_categories", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return tuple(json.loads(text))
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return value
