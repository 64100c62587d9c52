"""Typed settings read from `WARTA_*` environment variables, once, at start-up."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Published defaults: accepted only in local development on loopback (`local_development`).
DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105
DEV_UNSUBSCRIBE_SECRET = "dev-only-unsubscribe-secret-0123456789abc"  # noqa: S105
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every external endpoint is configuration, so tests can point it at loopback."""

    model_config = SettingsConfigDict(env_prefix="WARTA_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"

    kafka_bootstrap: str = "127.0.0.1:9092"
    mongo_url: str = "mongodb://127.0.0.1:27017"
    # Each service uses the database "<prefix>_<service>"; tests give each run its own prefix.
    db_prefix: str = "warta"

    # Loopback by default; containers set 0.0.0.0 so their published ports reach the service.
    bind_host: str = "127.0.0.1"
    ingest_port: int = 8001
    editorial_port: int = 8002
    publisher_port: int = 8003
    notifier_port: int = 8004
    # The front door (nginx) serves every public path on this port; the public URLs below are
    # its origin unless a deployment puts another origin before it.
    front_door_port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    website_base_url: str = "http://127.0.0.1:8000"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Warta Diskominfo <warta@localhost>"
    smtp_starttls: bool = False

    wordpress_url: str | None = None
    wordpress_username: str | None = None
    wordpress_app_password: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_token: SecretStr | None = None
    telegram_channel_id: str | None = None
    facebook_graph_base: str = "https://graph.facebook.com/v24.0"
    facebook_page_id: str | None = None
    facebook_page_token: SecretStr | None = None
    instagram_graph_base: str = "https://graph.instagram.com/v24.0"
    instagram_user_id: str | None = None
    instagram_token: SecretStr | None = None
    x_api_base: str = "https://api.x.com"
    x_bearer_token: SecretStr | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v24.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "warta-editorial"
    jwt_audience: str = "warta"
    # Access tokens live minutes; a refresh re-checks the account (disabled = no new token).
    jwt_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    jwt_refresh_ttl_seconds: int = Field(default=8 * 3600, ge=300, le=30 * 86400)
    # Its own key, so rotating the JWT secret leaves unsubscribe links alone; after rotating
    # this one, list the old values (comma-separated) so links already mailed still resolve.
    unsubscribe_secret: SecretStr = SecretStr(DEV_UNSUBSCRIBE_SECRET)
    unsubscribe_previous_secrets: SecretStr | None = None

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    # Ingest's local attachment store; a directory behind one small interface.
    attachments_dir: str = "var/attachments"
    outbox_sweep_seconds: float = Field(default=2.0, gt=0)
    # Server-side deadlines (JSON 503 + Retry-After past them); above the database driver's
    # timeouts (shared.mongo), so a stalled database answers as such before the deadline.
    request_timeout_seconds: float = Field(default=10.0, gt=0)
    upload_timeout_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        for name, secret, default in (
            ("WARTA_JWT_SECRET", self.jwt_secret, DEV_JWT_SECRET),
            ("WARTA_UNSUBSCRIBE_SECRET", self.unsubscribe_secret, DEV_UNSUBSCRIBE_SECRET),
        ):
            if secret.get_secret_value() == default and not self.local_development():
                raise ValueError(f"{name} must be set to a private value: its default works "
                                 "only with WARTA_ENV=development on a loopback WARTA_BIND_HOST")
        for key in self.unsubscribe_keys():
            if len(key) < MIN_SECRET_LENGTH:
                raise ValueError(f"unsubscribe secrets must be at least {MIN_SECRET_LENGTH} "
                                 "characters")
        if len(self.jwt_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"WARTA_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        return self

    def local_development(self) -> bool:
        """Development mode, asked for explicitly (WARTA_ENV=development or env=...), on a
        loopback address: nobody else can reach the service. A deployment that merely forgot
        WARTA_ENV does not get the published secrets."""
        if self.env != "development" or "env" not in self.model_fields_set:
            return False
        if self.bind_host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.bind_host).is_loopback
        except ValueError:
            return False

    def unsubscribe_keys(self) -> list[str]:
        """The current unsubscribe key first, then the previous ones still honoured."""
        previous = self.unsubscribe_previous_secrets
        older = previous.get_secret_value().split(",") if previous else []
        current = self.unsubscribe_secret.get_secret_value()
        return [current, *(key.strip() for key in older if key.strip())]

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port
