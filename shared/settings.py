"""Typed settings read from `WARTA_*` environment variables, once, at start-up."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Published defaults: accepted only in local development on loopback (`local_development`).
DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105
DEV_UNSUBSCRIBE_SECRET = "dev-only-unsubscribe-secret-0123456789abc"  # noqa: S105
DEV_CREDENTIALS_KEY = "ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTAxMjM0NTY="  # a Fernet key
DEV_CONSOLE_SECRET = "dev-only-console-secret-0123456789abcdef"  # noqa: S105
DEV_TOTP_KEY = "ZGV2LW9ubHktdG90cC1zZWNyZXRzLWtleS0wMTIzNDU="  # a Fernet key
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
    console_port: int = 8005
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
    # `warta stack up`: Mailpit's web UI and REST API (its SMTP is smtp_port).
    mailpit_port: int = 8026

    # `warta stack up`: the local WordPress site (warta_cli/wordpress.py) listens here. The
    # channels' own credentials are no settings: the publisher stores them encrypted, seeded
    # from WARTA_<CHANNEL>_<FIELD> (services/publisher/channels.py).
    wordpress_local_port: int = 8010
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    # `warta stack up --sandbox`: the contract servers on this port and the next three
    sandbox_base_port: int = Field(default=8701, ge=1024, le=65530)

    # Notifier: sign-up with consent (double opt-in) and journalists' own channels.
    notifier_signup_ttl_hours: float = Field(default=72.0, gt=0)
    # Retention: consent records of erased or withdrawn journalists, and delivery logs, are
    # deleted this many days on (unconfirmed sign-ups go by notifier_signup_ttl_hours).
    notifier_retention_consent_days: int = Field(default=1825, ge=1)
    notifier_retention_delivery_days: int = Field(default=365, ge=1)
    notifier_signup_per_ip_per_hour: int = Field(default=20, ge=1)
    notifier_signup_per_address_per_hour: int = Field(default=3, ge=1)
    # The client address ("from where" in the audit trail and consent records): the front
    # door's X-Forwarded-For / X-Real-IP count only when the direct peer is one of these.
    trusted_proxies: str = "127.0.0.1,::1"
    notifier_whatsapp_api_url: str = "https://graph.facebook.com/v24.0"
    notifier_whatsapp_token: SecretStr | None = None
    notifier_whatsapp_phone_number_id: str | None = None
    notifier_whatsapp_app_secret: SecretStr | None = None
    notifier_whatsapp_verify_token: SecretStr | None = None
    notifier_whatsapp_account_id: str | None = None
    # The journalists' DM bot: its own, not the publisher's channel bot.
    notifier_telegram_api_url: str = "https://api.telegram.org"
    notifier_telegram_bot_token: SecretStr | None = None
    notifier_telegram_bot_username: str = "WartaMitraBot"
    notifier_telegram_lease_seconds: float = Field(default=15.0, ge=3)
    # Partner newsrooms' webhooks: https to public addresses only, unless this explicit
    # development allowance (http and loopback targets) is on; disabled after this many failures.
    notifier_webhook_allow_loopback: bool = False
    notifier_webhook_disable_after: int = Field(default=5, ge=1)
    # Notifier email: persistent SMTP connections, bounces, DKIM (a PEM key or a path to one).
    notifier_smtp_connections: int = Field(default=4, ge=1, le=64)
    notifier_bounce_limit: int = Field(default=3, ge=1)
    notifier_dkim_key: SecretStr | None = None
    notifier_dkim_selector: str | None = None
    notifier_dkim_domain: str | None = None
    # Notifier, Warta's own users: a report's "published" notice waits this long to gather
    # every channel's link into one email.
    notifier_own_published_gather_seconds: float = Field(default=60.0, ge=0)
    # Coverage invitations: reminders the day before at this local hour (the OPD's zone) and
    # this many hours before the start; the schedule checks this often (one replica, a lease).
    notifier_reminder_day_before_hour: int = Field(default=16, ge=0, le=23)
    notifier_reminder_hours_before: float = Field(default=3.0, gt=0, le=24)
    notifier_reminder_check_seconds: float = Field(default=60.0, gt=0)

    # The publisher's channel credentials, encrypted at rest (Fernet keys, comma-separated,
    # newest first: the older ones still decrypt, so a key can rotate). Unset: refused outside
    # local development, where the published DEV key below stands in.
    publisher_credentials_key: SecretStr | None = None
    publisher_health_interval: float = Field(default=300.0, gt=0)
    # Long-lived Facebook/Instagram tokens are refreshed by the health round once they expire
    # within this many days (Meta's long-lived tokens last 60 days).
    publisher_token_refresh_days: float = Field(default=7.0, gt=0, le=50)
    # Host names an admin's channel URL may resolve to a private address for (an intranet
    # WordPress), comma-separated; every other must be public (shared.outbound).
    publisher_allowed_private_hosts: str = ""
    # How long a poster holds a publication before another replica may take it over.
    publisher_lease_seconds: float = Field(default=60.0, ge=1)
    # A network call that has not answered by then counts as a timeout (maybe posted).
    publisher_http_timeout_seconds: float = Field(default=30.0, gt=0)

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
    # Editorial's desk: the last account to change an article's content may not approve it
    # (a chief editor may override, with a reason); a claim holds an article this long.
    editorial_second_eyes: bool = True
    editorial_claim_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # The office's own zone (the Kadis's report, the agenda's days) and name (the report's title).
    editorial_timezone: str = "Asia/Makassar"
    editorial_office_name: str = "Dinas Komunikasi dan Informatika"
    # OPD compliance: on this day of the month (in each OPD's zone) OPDs below their target are
    # reminded; the schedule checks this often (one replica works, by a database lease).
    editorial_compliance_reminder_day: int = Field(default=25, ge=1, le=28)
    editorial_compliance_check_seconds: float = Field(default=3600.0, gt=0)
    # Chief editors' and admins' TOTP secrets, encrypted at rest in editorial's database
    # (Fernet keys, comma-separated, newest first); the published default is refused outside
    # local development (services/editorial/totp_repository.py).
    editorial_totp_key: SecretStr = SecretStr(DEV_TOTP_KEY)
    # Server-side deadlines (JSON 503 + Retry-After past them); above the database driver's
    # timeouts (shared.mongo), so a stalled database answers as such before the deadline.
    # The web console (a client of the APIs above, through this origin; sessions in its own
    # database, the session cookie's id signed with this secret; failed logins counted per
    # username and per client address over the window; TOTP for chief editors and admins).
    console_api_url: str = "http://127.0.0.1:8000"
    console_session_secret: SecretStr = SecretStr(DEV_CONSOLE_SECRET)
    console_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    console_login_limit: int = Field(default=5, ge=1)
    console_login_ip_limit: int = Field(default=30, ge=1)  # an office shares one address
    console_login_window_seconds: float = Field(default=900.0, gt=0)
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

    def loopback_targets_allowed(self) -> bool:
        """Outbound calls to loopback addresses (contract servers, the local WordPress): in the
        test suite and in local development only."""
        return self.env == "test" or self.local_development()

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
