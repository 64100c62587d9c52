"""Wiring of OPD user accounts: repository, limits from the config, the password-link relay."""

from __future__ import annotations

from datetime import timedelta

from services.ingest.config import IngestConfig
from services.ingest.opd_repository import OpdRepository
from services.ingest.opd_user_domain import LoginLimits
from services.ingest.opd_user_handlers import LinkPolicy, OpdUsers
from services.ingest.opd_user_repository import OpdUserRepository
from shared import topics
from shared.runtime import ServiceRuntime


def build_opd_users(runtime: ServiceRuntime, config: IngestConfig, opds: OpdRepository
                    ) -> OpdUsers:
    repo = OpdUserRepository(runtime.mongo.db)
    relay = runtime.relay(repo.links, topics.OPD_USERS)
    limits = LoginLimits(failures=config.ingest_opd_login_failures,
                         window=timedelta(minutes=config.ingest_opd_login_window_minutes))
    links = LinkPolicy(reset=timedelta(minutes=config.ingest_password_reset_minutes),
                       welcome=timedelta(hours=config.ingest_opd_welcome_hours),
                       requests_per_hour=config.ingest_password_reset_per_hour,
                       public_base_url=runtime.settings.public_base_url)
    return OpdUsers(repo, opds, limits, links, announce=relay.relay_document)
