"""Wiring of the digest and retention jobs: repositories, scheduled loops, admin routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter

from services.notifier.digest_job import DigestJob
from services.notifier.digest_repository import DigestRepository
from services.notifier.digest_schedule import JobLease
from services.notifier.jobs_api import build_jobs_router
from services.notifier.mailer import Mailer
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from services.notifier.retention_job import Retention
from shared.runtime import ServiceRuntime
from shared.settings import Settings

DIGEST_POLL = 60.0  # seconds: digests go out within a minute of the hour
RETENTION_POLL = 600.0
RETENTION_GAP = timedelta(days=1)


@dataclass
class Jobs:
    digests: DigestRepository
    routers: list[APIRouter]
    on_start: list[Callable[[], Awaitable[None]]]


def build_jobs(runtime: ServiceRuntime, settings: Settings, mailer: Mailer, *,
               journalists: JournalistRepository, articles: ArticleRepository,
               deliveries: DeliveryRepository) -> Jobs:
    db = runtime.mongo.db
    digests = DigestRepository(db)
    digest_job = DigestJob(settings, digests, journalists=journalists, articles=articles,
                           deliveries=deliveries, mailer=mailer)
    retention = Retention(settings, db)
    digest_lease, retention_lease = JobLease(db, "digests"), JobLease(db, "retention")
    runtime.background(lambda: digest_lease.every(digest_job.run, timedelta(0), DIGEST_POLL))
    runtime.background(lambda: retention_lease.every(retention.run, RETENTION_GAP,
                                                     RETENTION_POLL))
    router = build_jobs_router(settings, db, {"digests": (digest_lease, digest_job.run),
                                              "retention": (retention_lease, retention.run)})
    return Jobs(digests, [router], [digests.ensure_indexes])
