"""Editorial HTTP routes of the unified audit trail (chief editor): a cursor-paged list, and CSV.

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime, BaseModel

from services.editorial.audit_repository import AuditFilters, AuditView, BadCursor
from shared.auth import require_role
from shared.errors import ApiError
from shared.events.audit import AuditRecordedV1
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

CSV_PAGE = 500
CSV_MAX_ROWS = 100_000  # bounds one export's memory; narrow the filters for more
COLUMNS = ["at", "service", "action", "outcome", "actor", "actor_role", "client_ip",
           "user_agent", "target_type", "target_id", "article_id", "version_before",
           "version_after", "details", "record_id"]


class AuditPageOut(BaseModel):
    items: list[AuditRecordedV1]
    next_cursor: str | None = None


def audit_router(settings: Settings, view: AuditView) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["audit"])
    chief = [Depends(require_role(settings, "chief_editor")), editor_jwt("chief_editor")]

    def filters(article_id: Annotated[str | None, Query(max_length=100)] = None,
                actor: Annotated[str | None, Query(max_length=100)] = None,
                from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
                to: Annotated[AwareDatetime | None, Query()] = None) -> AuditFilters:
        return AuditFilters(article_id=article_id, actor=actor, since=from_, until=to)

    async def page(chosen: AuditFilters, cursor: str | None, limit: int
                   ) -> tuple[list[AuditRecordedV1], str | None]:
        try:
            return await view.page(chosen, cursor, limit)
        except BadCursor as exc:
            raise ApiError(422, "bad_cursor", "Kursor tidak dikenal; mulai lagi tanpa kursor.",
                           {"cursor": cursor}) from exc

    @router.get("/audit", response_model=AuditPageOut, dependencies=chief,
                responses=route_errors(role="chief_editor"))
    async def listing(chosen: Annotated[AuditFilters, Depends(filters)],
                      cursor: Annotated[str | None, Query(max_length=400)] = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> AuditPageOut:
        """Audit records, oldest first, by article, actor and time span [from, to)."""
        items, after = await page(chosen, cursor, limit)
        return AuditPageOut(items=items, next_cursor=after)

    @router.get("/audit.csv", response_class=Response, dependencies=chief,
                responses={**route_errors(role="chief_editor"), 200: {"content": {"text/csv": {}}}})
    async def as_csv(chosen: Annotated[AuditFilters, Depends(filters)]) -> Response:
        out = io.StringIO()
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        cursor: str | None = None
        rows = 0
        while rows < CSV_MAX_ROWS:
            items, cursor = await page(chosen, cursor, CSV_PAGE)
            for item in items:
                row = item.model_dump(mode="json")
                row["details"] = ";".join(f"{k}={v}" for k, v in item.details.items())
                writer.writerow({k: row.get(k) for k in COLUMNS})
            rows += len(items)
            if cursor is None:
                break
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})

    return router
