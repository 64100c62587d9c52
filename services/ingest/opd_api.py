"""Ingest HTTP routes of OPD administration (admin JWT): OPDs, their contact and target, keys.

No `from __future__ import annotations`: FastAPI resolves annotations against module globals.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from services.ingest import schemas as s
from services.ingest.domain import OpdConflict, OpdInvalid, OpdNotFound
from services.ingest.opd_handlers import OpdAdmin
from services.ingest.opd_repository import KeyRecord
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.events.opds import DEFAULT_MONTHLY_TARGET
from shared.mongo import Document
from shared.openapi import BODY_ERRORS, SERVICE_ERRORS, editor_jwt, error_responses, role_errors
from shared.settings import Settings


@asynccontextmanager
async def opd_refusals() -> AsyncIterator[None]:
    """OPD administration's domain refusals become clear HTTP errors."""
    try:
        yield
    except OpdNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except OpdConflict as exc:
        raise ApiError(409, exc.code, str(exc)) from exc
    except OpdInvalid as exc:
        raise ApiError(422, "validation_error", str(exc)) from exc


def admin_router(settings: Settings, admin: OpdAdmin) -> APIRouter:
    router = APIRouter(prefix="/v1/admin/opds", tags=["admin"],
                       dependencies=[Depends(require_role(settings, "admin")), editor_jwt("admin")],
                       responses={**role_errors("admin"), **SERVICE_ERRORS})
    found = error_responses(404, 422)  # a route with an OPD code in its path
    who = Annotated[Principal, Depends(require_role(settings, "admin"))]

    async def audit(request: Request, by: Principal, action: str, opd: Document, **details: str
                    ) -> None:
        after = opd.get("opd_version")
        await record_act(request, by.subject, by.role, action, target_type="opd",
                         target_id=opd["_id"], after=after, details={"code": opd.get("code"),
                         **details}, before=after - 1 if after and action != "opd.create"
                         else None)

    @router.post("", status_code=201, response_model=s.IssuedKey,
                 responses={**BODY_ERRORS, **error_responses(409)})
    async def create_opd(payload: s.OpdIn, by: who, request: Request) -> s.IssuedKey:
        async with opd_refusals():
            opd, key_id, api_key = await admin.create(**payload.model_dump())
        await audit(request, by, "opd.create", opd, key_id=key_id)
        return s.IssuedKey(opd=_opd_out(opd), key_id=key_id, api_key=api_key)

    @router.get("", response_model=list[s.OpdOut])
    async def list_opds() -> list[s.OpdOut]:
        return [_opd_out(o) for o in await admin.all_opds()]

    @router.get("/{code}", response_model=s.OpdOut, responses=found)
    async def get_opd(code: Annotated[str, s.CODE_PATH]) -> s.OpdOut:
        async with opd_refusals():
            return _opd_out(await admin.find(code))

    @router.patch("/{code}", response_model=s.OpdOut,
                  responses={**BODY_ERRORS, **found, **error_responses(409)})
    async def change_opd(code: Annotated[str, s.CODE_PATH], payload: s.OpdChangeIn, by: who,
                         request: Request) -> s.OpdOut:
        """Change the name, region, zone, contact or monthly target (`opd.changed`)."""
        changes = payload.model_dump(exclude_unset=True, exclude_none=True)
        if not changes:
            raise ApiError(422, "validation_error", "Send at least one field to change.")
        async with opd_refusals():
            opd = await admin.change(code, changes)
        await audit(request, by, "opd.update", opd, fields=",".join(sorted(changes)))
        return _opd_out(opd)

    @router.get("/{code}/keys", response_model=list[s.KeyOut], responses=found)
    async def list_keys(code: Annotated[str, s.CODE_PATH]) -> list[s.KeyOut]:
        async with opd_refusals():
            return [_key_out(k) for k in await admin.keys(code)]

    @router.post("/{code}/keys", status_code=201, response_model=s.IssuedKey,
                 responses={**found, **error_responses(409)})
    async def rotate_key(code: Annotated[str, s.CODE_PATH], by: who, request: Request
                         ) -> s.IssuedKey:
        async with opd_refusals():
            key_id, api_key = await admin.rotate(code)
            opd = await admin.find(code)
        await audit(request, by, "key.rotate", opd, key_id=key_id)
        return s.IssuedKey(opd=_opd_out(opd), key_id=key_id, api_key=api_key)

    @router.delete("/{code}/keys/{key_id}", status_code=204, response_class=Response,
                   responses=found)
    async def revoke_key(code: Annotated[str, s.CODE_PATH],
                         key_id: Annotated[str, s.KEY_ID_PATH], by: who,
                         request: Request) -> Response:
        async with opd_refusals():
            await admin.revoke(code, key_id)
            opd = await admin.find(code)
        await audit(request, by, "key.revoke", opd, key_id=key_id)
        return Response(status_code=204)

    return router


def _opd_out(opd: Document) -> s.OpdOut:
    return s.OpdOut(id=opd["_id"], **{k: opd.get(k) for k in (
        "code", "name", "region", "timezone", "email", "phone", "contact_name", "created_at")},
        monthly_target=opd.get("monthly_target", DEFAULT_MONTHLY_TARGET))


def _key_out(key: KeyRecord) -> s.KeyOut:
    return s.KeyOut(key_id=key.key_id, active=key.active, created_at=key.created_at,
                    revoked_at=key.revoked_at, last_used_at=key.last_used_at)
