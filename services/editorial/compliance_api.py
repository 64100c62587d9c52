"""Editorial HTTP routes of OPD compliance: the month's table (chief editor), its CSV and PDF for
the Kadis, and the admin's "run the reminder as of this moment".

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.editorial import compliance_report as report
from services.editorial.compliance_handlers import Compliance
from services.editorial.compliance_rules import BadMonth, OpdMonth, local_month, parse_month
from shared.auth import require_role
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

MONTH = r"^2\d{3}-(0[1-9]|1[0-2])$"


class OpdMonthOut(BaseModel):
    opd_id: str
    code: str
    name: str
    region: str
    timezone: str
    submitted: int = Field(description="reports submitted in the month (the OPD's zone)")
    sent_back: int = Field(description="of those, sent back for revision at least once")
    rejected: int
    published: int
    target: int
    shortfall: int
    behind: bool
    median_hours_to_publish: float | None = None
    sent_back_share: float | None = Field(default=None, description="sent_back / submitted")


class ComplianceOut(BaseModel):
    month: str
    generated_at: datetime
    behind: int = Field(description="how many OPDs are below target")
    items: list[OpdMonthOut] = Field(description="behind-most first")


class ReminderOut(BaseModel):
    reminder_id: str
    code: str
    month: str
    published: int
    target: int
    sent_now: bool = Field(description="false: this OPD was reminded for this month before")


def _out(row: OpdMonth) -> OpdMonthOut:
    return OpdMonthOut(**{k: getattr(row, k) for k in OpdMonthOut.model_fields})


def compliance_router(settings: Settings, compliance: Compliance) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["compliance"])
    chief = [Depends(require_role(settings, "chief_editor")), editor_jwt("chief_editor")]
    errors = route_errors(role="chief_editor")
    office, zone = settings.editorial_office_name, settings.editorial_timezone

    async def table(month: str) -> list[OpdMonth]:
        try:
            parse_month(month)
            return await compliance.month(month)
        except BadMonth as exc:
            raise ApiError(422, "validation_error", "Bulan harus berbentuk YYYY-MM (tahun "
                           "2000-2999), mis. 2026-11.", {"month": month}) from exc

    @router.get("/compliance", response_model=ComplianceOut, dependencies=chief,
                responses=errors)
    async def dashboard(month: Annotated[str | None, Query(pattern=MONTH)] = None
                        ) -> ComplianceOut:
        """Per OPD: submitted, sent back, rejected, published against its target; the month
        defaults to the current one in the office's zone."""
        now = utcnow()
        chosen = month or local_month(now, zone)
        rows = await table(chosen)
        return ComplianceOut(month=chosen, generated_at=now, behind=sum(r.behind for r in rows),
                             items=[_out(r) for r in rows])

    month_path = Annotated[str, Path(pattern=MONTH)]

    @router.get("/compliance/{month}.csv", response_class=Response, dependencies=chief,
                responses={**errors, 200: {"content": {"text/csv": {}}}})
    async def as_csv(month: month_path) -> Response:
        body = report.as_csv(month, await table(month), office, zone, utcnow())
        return Response(body, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="kepatuhan-opd-{month}.csv"'})

    @router.get("/compliance/{month}.pdf", response_class=Response, dependencies=chief,
                responses={**errors, 200: {"content": {"application/pdf": {}}}})
    async def as_pdf(month: month_path) -> Response:
        body = report.as_pdf(month, await table(month), office, zone, utcnow())
        return Response(body, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="kepatuhan-opd-{month}.pdf"'})

    admin = [Depends(require_role(settings, "admin")), editor_jwt("admin")]

    @router.post("/admin/compliance/reminders", response_model=list[ReminderOut],
                 dependencies=admin, responses=route_errors(role="admin"))
    async def remind(at: Annotated[AwareDatetime | None, Query()] = None) -> list[Any]:
        """Run the reminder as of `at` (default now): each OPD below target on or after the
        reminder day is reminded once per month."""
        moment = at or utcnow()
        if not 2000 <= moment.year <= 2999:
            raise ApiError(422, "validation_error", "'at' harus antara tahun 2000 dan 2999.",
                           {"at": moment.isoformat()})
        return await compliance.remind(moment)

    return router
