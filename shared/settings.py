"""Typed settings read from `WARTA_*` environment variables, once, at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 - refused in production


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
    public_base_url: str = "http://127.0.0.1:8001"
    website_base_url: str = "http://127.0.0.1:8003"

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
    jwt_ttl_seconds: int = Field(default=3600, ge=60, le=86400)

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    # Ingest's local attachment store; a directory behind one small interface.
    attachments_dir: str = "var/attachments"
    outbox_sweep_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.env == "production" and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("WARTA_JWT_SECRET must be set to a private value in production")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("WARTA_JWT_SECRET must be at least 32 characters")
        return self

    def database_name(self, service: str) -> str:
        return f"{self.db_prefix}_{service}"

    def port_of(self, service: str) -> int:
        port: int = getattr(self, f"{service}_port")
        return port
