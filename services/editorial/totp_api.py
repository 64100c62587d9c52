"""Editorial's second-factor routes: enrol and verify with the mfa token, an admin's reset.

No `from __future__ import annotations`: FastAPI resolves annotations against module globals,
and the `admin` dependency alias is local to `totp_reset_router`.
"""

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.editorial import account_schemas as s
from services.editorial.account_repository import AccountRepository
from services.editorial.second_factor import InvalidCode, SecondFactor
from services.editorial.totp_repository import AlreadyConfirmed, Unreadable
from shared.audit import client_address, record_act, trusted_set
from shared.auth import Principal, bearer_token, issue_token, require_role
from shared.errors import ApiError
from shared.openapi import (
    BODY_ERRORS,
    SERVICE_ERRORS,
    editor_jwt,
    error_responses,
    mfa_token,
)
from shared.settings import Settings

WRONG_CODE = "Kode tidak cocok atau sudah dipakai; masukkan kode terbaru dari aplikasi Anda."
UNREADABLE = ("Rahasia faktor kedua akun ini tidak dapat dibaca lagi; minta admin "
              "mengatur ulang faktor kedua Anda.")


class EnrolmentOut(BaseModel):
    secret: str = Field(description="base32, for an authenticator app without a camera")
    otpauth_uri: str = Field(description="the same secret as a QR code's content")


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mfa_token: str = Field(min_length=1, max_length=4096)
    otp: str = Field(min_length=1, max_length=16, examples=["123456"])


def totp_router(settings: Settings, second: SecondFactor) -> APIRouter:
    router = APIRouter(prefix="/v1/auth/totp", tags=["auth"],
                       responses={**SERVICE_ERRORS, **error_responses(401)})
    trusted = trusted_set(settings.trusted_proxies)

    @router.post("/enrol", response_model=EnrolmentOut, dependencies=[mfa_token()],
                 responses=error_responses(409))
    async def enrol(request: Request) -> EnrolmentOut:
        """The pending TOTP secret, the same on every call until a code confirms it."""
        try:
            enrolment = await second.enrol(bearer_token(request))
        except AlreadyConfirmed as exc:
            raise ApiError(409, "already_enrolled", "Faktor kedua akun ini sudah terpasang; "
                           "minta admin mengatur ulang bila aplikasinya hilang.") from exc
        except Unreadable as exc:
            raise ApiError(409, "second_factor_unreadable", UNREADABLE) from exc
        return EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)

    @router.post("/verify", response_model=s.TokenOut,
                 responses={**BODY_ERRORS, **error_responses(409, 429)})
    async def verify(body: VerifyIn, request: Request) -> s.TokenOut:
        """The mfa token and a current code -> the token pair; the first code confirms the
        enrolment. A code's time step is good once."""
        try:
            who, confirmed = await second.verify(body.mfa_token, body.otp,
                                                 client_address(request, trusted))
        except Unreadable as exc:
            raise ApiError(409, "second_factor_unreadable", UNREADABLE) from exc
        except InvalidCode as exc:
            await record_act(request, exc.username, None, "login", target_type="account",
                             target_id=exc.username, outcome="refused",
                             details={"code": "invalid_second_factor"})
            raise ApiError(401, "invalid_second_factor", WRONG_CODE,
                           headers={"WWW-Authenticate": "Bearer"}) from exc
        if confirmed:
            await record_act(request, who.subject, who.role, "account.totp_enrol",
                             target_type="account", target_id=who.subject)
        await record_act(request, who.subject, who.role, "login", target_type="account",
                         target_id=who.subject, details={"second_factor": "totp"})
        verified = dataclasses.replace(who, second_factor=True)
        access, ttl = issue_token(settings, verified)
        refresh, refresh_ttl = issue_token(settings, verified, kind="refresh")
        return s.TokenOut(access_token=access, expires_in=ttl, refresh_token=refresh,
                          refresh_expires_in=refresh_ttl)

    return router


def totp_reset_router(settings: Settings, second: SecondFactor, accounts: AccountRepository
                      ) -> APIRouter:
    router = APIRouter(
        prefix="/v1/admin/accounts", tags=["admin"], dependencies=[editor_jwt("admin")],
        responses={**SERVICE_ERRORS, **error_responses(401, 403, 404, 422)})
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]

    @router.delete("/{username}/totp", status_code=204, response_class=Response)
    async def reset(username: Annotated[str, Path(pattern=s.USERNAME)], who: admin,
                    request: Request) -> Response:
        """Forget the account's TOTP secret (a lost phone): its next sign-in enrols again."""
        if await accounts.get(username) is None:
            raise ApiError(404, "not_found", f"No account {username!r}.")
        removed = await second.reset(username)
        await record_act(request, who.subject, who.role, "account.totp_reset",
                         target_type="account", target_id=username,
                         details={"had_secret": removed})
        return Response(status_code=204)

    return router
