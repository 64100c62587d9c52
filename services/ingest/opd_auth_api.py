"""Ingest's public routes of OPD users: log in, and ask for or use a password link.

No credential: these are how an OPD user gets one. Failed logins and reset requests are
counted in the database per username, email and client address.
No `from __future__ import annotations`: FastAPI resolves annotations against module globals.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, Request, Response

from services.ingest import opd_user_schemas as s
from services.ingest.opd_user_domain import InvalidCredentials, InvalidResetToken, LoginLocked
from services.ingest.opd_user_handlers import OpdUsers
from services.ingest.opd_user_tokens import issue_opd_token
from shared.audit import client_address, record_act, trusted_set
from shared.errors import ApiError
from shared.openapi import BODY_ERRORS, SERVICE_ERRORS, error_responses
from shared.settings import Settings


@asynccontextmanager
async def auth_refusals() -> AsyncIterator[None]:
    try:
        yield
    except InvalidCredentials as exc:
        raise ApiError(401, "invalid_credentials", str(exc)) from exc
    except LoginLocked as exc:
        raise ApiError(429, "rate_limited", "Terlalu banyak percobaan; tunggu sebentar lalu "
                       "coba lagi.", {"retry_after_seconds": exc.retry_after},
                       headers={"Retry-After": str(exc.retry_after)}) from exc
    except InvalidResetToken as exc:
        raise ApiError(400, "invalid_reset_token", str(exc)) from exc


def opd_auth_router(settings: Settings, users: OpdUsers, session_hours: float) -> APIRouter:
    router = APIRouter(prefix="/v1/opd-auth", tags=["opd-auth"],
                       responses={**SERVICE_ERRORS, **BODY_ERRORS, **error_responses(429)})
    trusted = trusted_set(settings.trusted_proxies)
    session = timedelta(hours=session_hours)

    @router.post("/token", response_model=s.OpdTokenOut, responses=error_responses(401))
    async def token(body: s.OpdLoginIn, request: Request) -> s.OpdTokenOut:
        """A pranata humas logs in: an access token for every OPD route (`Bearer ...`)."""
        address = client_address(request, trusted)
        try:
            async with auth_refusals():
                user = await users.login(body.username, body.password, address)
        except ApiError as exc:
            await record_act(request, f"user:{body.username}", None, "opd_user.login",
                             target_type="opd_user", target_id=body.username,
                             outcome="refused", details={"code": exc.code})
            raise
        await record_act(request, user.key_id, None, "opd_user.login", target_type="opd_user",
                         target_id=user.username, details={"opd_code": user.opd.code})
        access, ttl = issue_opd_token(settings, user, session)
        return s.OpdTokenOut(access_token=access, expires_in=ttl, username=user.username,
                             name=user.name, opd_code=user.opd.code, opd_name=user.opd.name,
                             opd_timezone=user.opd.timezone)

    @router.post("/password-reset", status_code=202, response_class=Response,
                 responses={202: {"description": "Accepted, whether or not the email is known."}})
    async def password_reset(body: s.ResetRequestIn, request: Request) -> Response:
        """Mails a password link to the active users with this email; answers the same
        whether there are any (no account enumeration)."""
        async with auth_refusals():
            await users.request_reset(str(body.email), client_address(request, trusted))
        return Response(status_code=202)

    @router.post("/password-reset/confirm", status_code=204, response_class=Response,
                 responses=error_responses(400))
    async def confirm(body: s.ResetConfirmIn, request: Request) -> Response:
        """Sets the new password with a link's token (once); earlier access tokens stop."""
        async with auth_refusals():
            await users.confirm_reset(body.token, body.password)
        return Response(status_code=204)

    return router
