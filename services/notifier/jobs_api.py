"""Admin: run a job for a given moment (digests, retention) and set a journalist's delivery.

No `from __future__ import annotations` here: FastAPI resolves the dependency aliases."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from services.notifier.digest_schedule import JobBusy, JobLease
from services.notifier.digest_schemas import DeliveryChoice
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.mongo import Database, update_one
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

ADMIN_WAIT = 20.0  # seconds an admin's run waits for a scheduled run of the job to end
Job = Callable[[datetime], Awaitable[dict[str, int]]]
At = Annotated[datetime | None, Query(description="The moment to run the job for (ISO 8601 "
                                      "with an offset); now when left out")]


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is None:
        raise ApiError(422, "validation_failed", "Parameter `at` harus memuat zona waktu, "
                       "misalnya 2026-12-01T08:00:00+08:00.", {"field": "at"})
    return at


def build_jobs_router(settings: Settings, db: Database,
                      jobs: dict[str, tuple[JobLease, Job]]) -> APIRouter:
    router = APIRouter(tags=["jobs"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]

    async def run(name: str, at: datetime | None) -> dict[str, Any]:
        lease, job = jobs[name]
        moment = _moment(at)
        try:
            result = await lease.run(job, moment, wait=ADMIN_WAIT)
        except JobBusy as exc:
            raise ApiError(409, "job_busy", "Tugas ini sedang berjalan di replika lain. "
                           "Coba lagi sebentar lagi.") from exc
        return {"job": name, "at": moment.isoformat(), **result}

    @router.post("/v1/admin/jobs/digests", dependencies=[editor_jwt("admin")],
                 responses=route_errors(409, role="admin"))
    async def digests(_: admin, at: At = None) -> dict[str, Any]:
        """Send every daily digest due at `at`."""
        return await run("digests", at)

    @router.post("/v1/admin/jobs/retention", dependencies=[editor_jwt("admin")],
                 responses=route_errors(409, role="admin"))
    async def retention(_: admin, at: At = None) -> dict[str, Any]:
        """Delete what is past its retention period at `at` (never suppression entries)."""
        return await run("retention", at)

    @router.put("/v1/journalists/{journalist_id}/delivery", dependencies=[editor_jwt("admin")],
                responses=route_errors(404, role="admin", body=True))
    async def delivery(journalist_id: Annotated[str, Path(max_length=64)],
                       body: DeliveryChoice, _: admin) -> dict[str, Any]:
        """Instant, or a daily digest at a local hour (WIB/WITA/WIT)."""
        result = await update_one(db["journalists"], {"_id": journalist_id},
                                  {"$set": {"preferences.delivery": body.model_dump(),
                                            "updated_at": utcnow()}})
        if result.matched_count == 0:
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return body.model_dump()

    return router
