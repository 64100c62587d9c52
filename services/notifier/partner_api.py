"""Media-partner register routes: outlets (admin), proofs (editors), the monthly CSV.

No `from __future__ import annotations` here: FastAPI resolves the dependency aliases."""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from services.notifier.partner_repository import (
    DuplicateOutlet,
    PartnerRepository,
    UnknownJournalists,
)
from services.notifier.partner_schemas import OutletIn, OutletOut, ProofIn, ProofOut, outlet_out
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

OutletId = Annotated[str, Path(min_length=1, max_length=64)]
# Years 2000-2999: a month of year 0 has no bounds to count in (the fuzz suite's 500).
Month = Annotated[str, Path(pattern=r"^2\d{3}-(0[1-9]|1[0-2])$", examples=["2026-11"])]
COLUMNS = ["month", "outlet_id", "outlet", "dewan_pers_status", "partnership_start",
           "partnership_end", "releases_received", "stories_published"]


def _unknown(exc: UnknownJournalists) -> ApiError:
    return ApiError(422, "unknown_journalists", "Some journalist_ids are not registered "
                    "journalists.", {"journalist_ids": exc.missing})


def build_partner_router(settings: Settings, partners: PartnerRepository) -> APIRouter:
    router = APIRouter(prefix="/v1/partners", tags=["partners"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]
    editor = Annotated[Principal, Depends(require_role(settings, "editor"))]

    @router.post("/outlets", status_code=201, response_model=OutletOut,
                 dependencies=[editor_jwt("admin")],
                 responses=route_errors(409, role="admin", body=True))
    async def add_outlet(body: OutletIn, _: admin) -> OutletOut:
        try:
            return outlet_out(await partners.add(body.model_dump(mode="json")))
        except DuplicateOutlet as exc:
            raise ApiError(409, "conflict", f"An outlet named {body.name} is registered "
                           "already; update it instead.") from exc
        except UnknownJournalists as exc:
            raise _unknown(exc) from exc

    @router.put("/outlets/{outlet_id}", response_model=OutletOut,
                dependencies=[editor_jwt("admin")],
                responses=route_errors(404, 409, role="admin", body=True))
    async def replace_outlet(outlet_id: OutletId, body: OutletIn, _: admin) -> OutletOut:
        try:
            document = await partners.replace(outlet_id, body.model_dump(mode="json"))
        except DuplicateOutlet as exc:
            raise ApiError(409, "conflict", f"Another outlet is named {body.name}.") from exc
        except UnknownJournalists as exc:
            raise _unknown(exc) from exc
        if document is None:
            raise ApiError(404, "not_found", f"No outlet {outlet_id}.")
        return outlet_out(document)

    @router.get("/outlets", response_model=list[OutletOut],
                dependencies=[editor_jwt("editor")], responses=route_errors(role="editor"))
    async def list_outlets(_: editor) -> list[OutletOut]:
        return [outlet_out(d) for d in await partners.all()]

    @router.post("/proofs", response_model=ProofOut, dependencies=[editor_jwt("editor")],
                 responses={201: {"model": ProofOut, "description": "Logged now (200: it was "
                                  "logged before, the same link for the same article)."},
                            **route_errors(404, role="editor", body=True)})
    async def log_proof(body: ProofIn, _: editor, response: Response) -> ProofOut:
        """A partner's story logged on its behalf (e.g. sent by WhatsApp to the office)."""
        outlet = await partners.get(body.outlet_id)
        if outlet is None:
            raise ApiError(404, "not_found", f"No outlet {body.outlet_id}.")
        if body.journalist_id and body.journalist_id not in outlet.get("journalist_ids", []):
            raise ApiError(422, "not_in_outlet", f"Journalist {body.journalist_id} is not "
                           f"attached to {outlet['name']}.")
        stored, created = await partners.log_proof(body.outlet_id, body.article_id,
                                                   str(body.url), body.journalist_id, via="api")
        response.status_code = 201 if created else 200
        return ProofOut(id=stored["_id"], outlet_id=stored["outlet_id"],
                        article_id=stored["article_id"], url=stored["url"],
                        journalist_id=stored.get("journalist_id"), created=created)

    @router.get("/report/{month}.csv", response_class=Response,
                dependencies=[editor_jwt("editor")],
                responses={200: {"description": "One row per partner outlet",
                                 "content": {"text/csv": {}}}, **route_errors(role="editor")})
    async def monthly_report(month: Month, _: editor) -> Response:
        """Per outlet and month: press releases its journalists received, stories logged."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in await partners.monthly(month):
            outlet = row["outlet"]
            writer.writerow([month, outlet["_id"], outlet["name"], outlet["dewan_pers_status"],
                             outlet["partnership_start"], outlet["partnership_end"],
                             row["releases"], row["stories"]])
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="mitra-{month}.csv"'})

    return router
