"""Editorial HTTP routes of the agenda: the desk's days, and rescheduling or cancelling an
embargo (chief editor).

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.editorial.agenda_handlers import Agenda
from services.editorial.agenda_rules import AgendaRefused
from services.editorial.handlers import ArticleNotFound, VersionConflict
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings


class AgendaItemOut(BaseModel):
    kind: Literal["embargo", "press_invitation"]
    at: datetime
    local_time: str = Field(examples=["09.00 WITA"])
    article_id: str
    headline: str
    status: str
    opd_code: str
    opd_name: str
    channels: list[str] = []
    location: str | None = None


class AgendaDayOut(BaseModel):
    date: date
    label: str = Field(examples=["Kamis, 3 Desember 2026"])
    items: list[AgendaItemOut]


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publish_at: AwareDatetime = Field(description="the new embargo, in the future, with a zone")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=1000)


class ScheduleOut(BaseModel):
    article_id: str
    status: str
    version: int
    publish_at: datetime | None = None


@asynccontextmanager
async def refusals(article_id: str) -> AsyncIterator[None]:
    try:
        yield
    except ArticleNotFound as exc:
        raise ApiError(404, "not_found", f"Tidak ada artikel {article_id}.") from exc
    except AgendaRefused as exc:
        raise ApiError(409, "invalid_state", str(exc)) from exc
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", "Artikel berubah sejak dimuat; muat ulang.",
                       {"current_version": exc.args[0]}) from exc


def agenda_router(settings: Settings, agenda: Agenda) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["agenda"])
    editor = [Depends(require_role(settings, "editor")), editor_jwt("editor")]
    chief = Annotated[Principal, Depends(require_role(settings, "chief_editor"))]
    chief_doc = [editor_jwt("chief_editor")]

    @router.get("/agenda", response_model=list[AgendaDayOut], dependencies=editor,
                responses=route_errors(role="editor"))
    async def days(start: Annotated[date, Query(alias="from")],
                   end: Annotated[date, Query(alias="to")]) -> list[AgendaDayOut]:
        """Scheduled publications and press invitations, by day in the office's zone."""
        try:
            found = await agenda.days(start, end)
        except AgendaRefused as exc:
            raise ApiError(422, "validation_error", str(exc), {"from": str(start),
                                                               "to": str(end)}) from exc
        return [AgendaDayOut.model_validate(day) for day in found]

    def out(doc: dict[str, object]) -> ScheduleOut:
        return ScheduleOut(article_id=str(doc["_id"]), status=str(doc["status"]),
                           version=int(str(doc["version"])),
                           publish_at=doc.get("publish_at"))

    @router.put("/articles/{article_id}/embargo", response_model=ScheduleOut,
                dependencies=chief_doc, responses=route_errors(404, 409, role="chief_editor",
                                                               body=True))
    async def reschedule(article_id: str, body: RescheduleIn, who: chief, request: Request
                         ) -> ScheduleOut:
        """Move a scheduled article's embargo (`article.rescheduled`)."""
        async with refusals(article_id):
            done = out(await agenda.reschedule(article_id, body.publish_at, who))
        await record_act(request, who.subject, who.role, "article.reschedule",
                         target_type="article", target_id=article_id, article_id=article_id,
                         after=done.version, details={"publish_at": body.publish_at.isoformat()})
        return done

    @router.post("/articles/{article_id}/embargo/cancel", response_model=ScheduleOut,
                 dependencies=chief_doc, responses=route_errors(404, 409, role="chief_editor",
                                                                body=True))
    async def cancel(article_id: str, body: CancelIn, who: chief, request: Request
                     ) -> ScheduleOut:
        """Call off a scheduled publication: nothing goes out; the article is back in review."""
        async with refusals(article_id):
            done = out(await agenda.cancel(article_id, body.reason, who))
        await record_act(request, who.subject, who.role, "article.cancel_embargo",
                         target_type="article", target_id=article_id, article_id=article_id,
                         after=done.version, details={"reason": body.reason})
        return done

    return router
