"""Editorial HTTP routes of the OPD's requests: see one with its diff, accept or decline it,
and the queue of requests waiting for a decision.

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.editorial import opd_request_rules as rules
from services.editorial.handlers import VersionConflict
from services.editorial.opd_requests import NotYours, OpdRequests, RequestMissing
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.mongo import Document
from shared.openapi import editor_jwt, error_responses, route_errors
from shared.settings import Settings
from shared.vocabulary import ArticleStatus

SIGNED_IN = [editor_jwt("editor")]


class FieldDiff(BaseModel):
    field: str
    before: str
    after: str
    diff: list[str] = Field(description="unified-diff lines, current -> the OPD's proposal")


class OpdRequestOut(BaseModel):
    """"The OPD sent an amendment" (or asks to withdraw): what it changes, and its state."""

    article_id: str
    article_status: str
    article_version: int
    id: str
    kind: Literal["amend", "withdraw"]
    state: Literal["applied", "pending", "accepted", "declined", "refused"]
    awaiting_role: str | None = Field(default=None, description="who decides it now")
    requested_at: datetime
    opd_reason: str | None = None
    reason: str | None = Field(default=None, description="why declined or refused")
    decided_by: str | None = None
    decided_at: datetime | None = None
    revision: int | None = None
    changes: list[FieldDiff] = Field(default_factory=list)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=2000)


@asynccontextmanager
async def refusals(article_id: str) -> AsyncIterator[None]:
    try:
        yield
    except RequestMissing as exc:
        raise ApiError(404, "not_found", f"Artikel {article_id} tidak punya permintaan OPD "
                       "yang menunggu keputusan.") from exc
    except NotYours as exc:
        raise ApiError(403, "forbidden", str(exc)) from exc
    except rules.RequestNotDecidable as exc:
        raise ApiError(409, "invalid_state", str(exc)) from exc
    except VersionConflict as exc:
        raise ApiError(409, "version_conflict", "Artikel berubah sejak dimuat; muat ulang dan "
                       "putuskan lagi.", {"current_version": exc.args[0]}) from exc


def request_out(article: Document) -> OpdRequestOut:
    request: dict[str, Any] = article["opd_request"]
    state = request["state"]
    waiting = state == "pending"
    changes = rules.diff(article, request["content"]) if request.get("content") and waiting \
        else []
    return OpdRequestOut(
        article_id=article["_id"], article_status=article["status"],
        article_version=article["version"],
        **{k: request.get(k) for k in ("id", "kind", "state", "requested_at", "opd_reason",
                                       "reason", "decided_by", "decided_at", "revision")},
        awaiting_role=rules.awaiting_role(request["kind"], ArticleStatus(article["status"]))
        if waiting else None,
        changes=[FieldDiff.model_validate(c) for c in changes])


def opd_requests_router(settings: Settings, requests: OpdRequests) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["opd requests"])
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]
    decide_errors = {**route_errors(404, 409, role="editor"), **error_responses(403)}

    @router.get("/opd-requests", response_model=list[OpdRequestOut], dependencies=SIGNED_IN,
                responses=route_errors(role="editor"))
    async def waiting(_: editor, awaiting_role: Annotated[
            Literal["editor", "chief_editor"] | None, Query()] = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[OpdRequestOut]:
        """The requests waiting for a decision (the chief editor's take-down queue:
        `awaiting_role=chief_editor`), oldest first."""
        found = [request_out(a) for a in await requests.waiting(limit)]
        return [r for r in found if awaiting_role in (None, r.awaiting_role)]

    @router.get("/articles/{article_id}/opd-request", response_model=OpdRequestOut,
                dependencies=SIGNED_IN, responses=route_errors(404, role="editor"))
    async def show(article_id: str, _: editor) -> OpdRequestOut:
        async with refusals(article_id):
            return request_out(await requests.pending(article_id))

    @router.post("/articles/{article_id}/opd-request/accept", response_model=OpdRequestOut,
                 dependencies=SIGNED_IN, responses=decide_errors)
    async def accept(article_id: str, who: editor, request: Request) -> OpdRequestOut:
        """Take the amendment (its content replaces the article's), or the withdrawal (after
        approval: a take-down, chief editor only)."""
        async with refusals(article_id):
            decided = request_out(await requests.accept(article_id, who))
        await record_act(request, who.subject, who.role, "opd_request.accept",
                         target_type="article", target_id=article_id, article_id=article_id,
                         details={"kind": decided.kind})
        return decided

    @router.post("/articles/{article_id}/opd-request/decline", response_model=OpdRequestOut,
                 dependencies=SIGNED_IN, responses={**decide_errors, **route_errors(body=True)})
    async def decline(article_id: str, body: DeclineIn, who: editor, request: Request
                      ) -> OpdRequestOut:
        async with refusals(article_id):
            decided = request_out(await requests.decline(article_id, body.reason, who))
        await record_act(request, who.subject, who.role, "opd_request.decline",
                         target_type="article", target_id=article_id, article_id=article_id,
                         details={"kind": decided.kind, "reason": body.reason})
        return decided

    return router
