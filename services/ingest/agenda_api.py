"""The OPD's own agenda (API key): its scheduled publications and press invitations, by day in
its own zone, projected from editorial's events like its status.

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.ingest.auth import OpdPrincipal
from services.ingest.repository import ReportRepository
from shared.agenda import CLOSED, AgendaRefused, by_day, window
from shared.errors import ApiError
from shared.mongo import Document
from shared.openapi import Responses, opd_key, opd_user_token


class OpdAgendaItemOut(BaseModel):
    kind: Literal["embargo", "press_invitation"]
    at: datetime
    local_time: str = Field(examples=["09.00 WITA"])
    report_id: str
    title: str
    status: str
    location: str | None = None


class OpdAgendaDayOut(BaseModel):
    date: date
    label: str = Field(examples=["Kamis, 3 Desember 2026"])
    items: list[OpdAgendaItemOut]


def agenda_router(reports: ReportRepository, principal: Any, errors: Responses) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["agenda"], responses=errors,
                       dependencies=[opd_key(), opd_user_token()])
    opd = Annotated[OpdPrincipal, Depends(principal)]

    @router.get("/agenda", response_model=list[OpdAgendaDayOut])
    async def days(who: opd, start: Annotated[date, Query(alias="from")],
                   end: Annotated[date, Query(alias="to")]) -> list[OpdAgendaDayOut]:
        """When this OPD's approved reports go out, and its upcoming press invitations."""
        zone = who.opd.timezone
        try:
            first, last = window(start, end, zone)
        except AgendaRefused as exc:
            raise ApiError(422, "validation_error", str(exc)) from exc
        items = [item for doc in await reports.agenda(who.opd_id, first, last)
                 for item in _entries(doc, first, last)]
        return [OpdAgendaDayOut.model_validate(day) for day in by_day(items, zone)]

    return router


def _entries(doc: Document, first: datetime, last: datetime) -> list[dict[str, Any]]:
    content = doc["content"]
    base = {"report_id": doc["_id"], "title": content["title"], "status": doc["status"]}
    found = []
    publish_at = doc.get("publish_at")
    if doc["status"] == "scheduled" and publish_at and first <= publish_at < last:
        found.append({**base, "kind": "embargo", "at": publish_at, "location": None})
    invitation = content.get("press_invitation")
    if invitation and first <= invitation["starts_at"] < last and doc["status"] not in CLOSED:
        found.append({**base, "kind": "press_invitation", "at": invitation["starts_at"],
                      "location": invitation.get("location")})
    return found
