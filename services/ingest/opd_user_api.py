"""Ingest HTTP routes of an OPD's user accounts (admin JWT): create, list, disable.

No `from __future__ import annotations`: FastAPI resolves annotations against module globals.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from services.ingest import opd_user_schemas as u
from services.ingest import schemas as s
from services.ingest.domain import OpdNotFound
from services.ingest.opd_user_domain import OpdUser, OpdUserNotFound, UsernameTaken
from services.ingest.opd_user_handlers import OpdUsers
from services.ingest.opd_user_repository import user_fields
from shared.audit import record_act
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.openapi import BODY_ERRORS, SERVICE_ERRORS, editor_jwt, error_responses, role_errors
from shared.settings import Settings


@asynccontextmanager
async def user_refusals() -> AsyncIterator[None]:
    try:
        yield
    except (OpdNotFound, OpdUserNotFound) as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except UsernameTaken as exc:
        raise ApiError(409, "username_taken", str(exc)) from exc


def opd_users_router(settings: Settings, users: OpdUsers) -> APIRouter:
    router = APIRouter(prefix="/v1/admin/opds", tags=["admin"],
                       dependencies=[Depends(require_role(settings, "admin")), editor_jwt("admin")],
                       responses={**role_errors("admin"), **SERVICE_ERRORS,
                                  **error_responses(404, 422)})
    who = Annotated[Principal, Depends(require_role(settings, "admin"))]
    code_path = Annotated[str, s.CODE_PATH]

    async def audit(request: Request, by: Principal, action: str, code: str, username: str
                    ) -> None:
        await record_act(request, by.subject, by.role, action, target_type="opd_user",
                         target_id=username, details={"opd_code": code})

    @router.post("/{code}/users", status_code=201, response_model=u.OpdUserOut,
                 responses={**BODY_ERRORS, **error_responses(409)})
    async def create_user(code: code_path, body: u.OpdUserIn, by: who, request: Request
                          ) -> u.OpdUserOut:
        """A pranata humas' account; without a password, a link to set one is mailed (72 h)."""
        async with user_refusals():
            user = await users.create(code, username=body.username, name=body.name,
                                      email=str(body.email), password=body.password)
        await audit(request, by, "opd_user.create", code, user.username)
        return _out(user)

    @router.get("/{code}/users", response_model=list[u.OpdUserOut])
    async def list_users(code: code_path) -> list[u.OpdUserOut]:
        async with user_refusals():
            return [_out(user) for user in await users.of_opd(code)]

    @router.delete("/{code}/users/{username}", status_code=204, response_class=Response)
    async def disable_user(code: code_path, username: Annotated[str, u.USERNAME_PATH],
                           by: who, request: Request) -> Response:
        """Disables the account; its access tokens are refused from the next request on."""
        async with user_refusals():
            await users.disable(code, username)
        await audit(request, by, "opd_user.disable", code, username)
        return Response(status_code=204)

    return router


def _out(user: OpdUser) -> u.OpdUserOut:
    return u.OpdUserOut(**user_fields(user))
