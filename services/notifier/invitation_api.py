"""Admin trigger of the reminders job for a given moment (how tests and operators drive it).

No `from __future__ import annotations` here: FastAPI resolves the dependency aliases."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.notifier.invitation_reminders import InvitationFollowUps
from shared.auth import Principal, require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings


class JobRunOut(BaseModel):
    at: datetime
    created: int


def build_invitation_router(settings: Settings, follow_ups: InvitationFollowUps) -> APIRouter:
    router = APIRouter(prefix="/v1/admin/jobs", tags=["invitations"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]

    @router.post("/reminders", response_model=JobRunOut, dependencies=[editor_jwt("admin")],
                 responses=route_errors(role="admin"))
    async def run_reminders(_: admin, at: Annotated[datetime | None, Query(
            description="the moment to run for (ISO 8601 with offset); default now")] = None,
                            ) -> JobRunOut:
        """Creates every invitation reminder due at `at` (each one once, however often run)."""
        moment = at or utcnow()
        if moment.tzinfo is None:
            raise ApiError(422, "invalid", "`at` needs a UTC offset, e.g. 2026-12-01T08:00Z.")
        return JobRunOut(at=moment, created=await follow_ups.run_reminders(moment))

    return router
