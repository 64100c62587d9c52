"""Editorial's routes for accounts: login, token refresh, and the admins' account API.

No `from __future__ import annotations`: FastAPI resolves annotations against module globals,
and the `admin` dependency alias is local to `accounts_router`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request

from services.editorial import account_schemas as s
from services.editorial.account_handlers import (
    AccountConflict,
    AccountExists,
    AccountNotFound,
    Accounts,
    NewAccount,
)
from services.editorial.account_repository import AccountRepository
from services.editorial.login import LoginGuard, authenticate, refreshed
from services.editorial.second_factor import SecondFactor, needs_second_factor
from shared.audit import client_address, record_act, trusted_set
from shared.auth import Principal, issue_token, require_role
from shared.errors import ApiError
from shared.openapi import BODY_ERRORS, SERVICE_ERRORS, editor_jwt, error_responses
from shared.settings import Settings

Username = Annotated[str, Path(pattern=s.USERNAME)]


def auth_router(settings: Settings, accounts: AccountRepository, guard: LoginGuard,
                second: SecondFactor) -> APIRouter:
    router = APIRouter(prefix="/v1/auth", tags=["auth"],
                       responses={**SERVICE_ERRORS, **BODY_ERRORS, **error_responses(401)})
    trusted = trusted_set(settings.trusted_proxies)

    def pair(principal: Principal) -> s.TokenOut:
        access, ttl = issue_token(settings, principal)
        refresh, refresh_ttl = issue_token(settings, principal, kind="refresh")
        return s.TokenOut(access_token=access, expires_in=ttl, refresh_token=refresh,
                          refresh_expires_in=refresh_ttl)

    @router.post("/token", response_model=s.TokenOut, responses=error_responses(403, 429))
    async def token(username: Annotated[str, Form(max_length=64)],
                    password: Annotated[str, Form(max_length=256)], request: Request
                    ) -> s.TokenOut:
        """OAuth2 password login: a short-lived access token and a refresh token. A chief
        editor or an admin gets 403 `second_factor_required` with an `mfa_token` instead:
        POST /v1/auth/totp/enrol (when not `enrolled`), then /v1/auth/totp/verify."""
        try:
            who = await authenticate(accounts, guard, username, password,
                                     client_address(request, trusted))
        except ApiError as exc:
            await record_act(request, username, None, "login", target_type="account",
                             target_id=username, outcome="refused", details={"code": exc.code})
            raise
        if needs_second_factor(who.role):
            mfa, enrolled = await second.challenge(who)
            await record_act(request, username, who.role, "login", target_type="account",
                             target_id=username, outcome="second_factor_required")
            raise ApiError(403, "second_factor_required", "Kata sandi benar; masukkan kode "
                           "dari aplikasi autentikator Anda (faktor kedua).",
                           {"mfa_token": mfa, "enrolled": enrolled})
        await record_act(request, username, who.role, "login", target_type="account",
                         target_id=username)
        return pair(who)

    @router.post("/refresh", response_model=s.TokenOut)
    async def refresh(body: s.RefreshIn) -> s.TokenOut:
        """A new pair, only while the account exists and is active (role as it is now)."""
        return pair(await refreshed(settings, accounts, body.refresh_token))

    return router


@asynccontextmanager
async def refusals(username: str) -> AsyncIterator[None]:
    try:
        yield
    except AccountNotFound as exc:
        raise ApiError(404, "not_found", f"No account {username!r}.") from exc
    except AccountExists as exc:
        raise ApiError(409, "account_exists", f"The username {username!r} is taken.") from exc
    except AccountConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from exc


async def _audit(request: Request, who: Principal, action: str, doc: dict[str, Any],
                 details: dict[str, Any] | None = None) -> None:
    after = int(doc.get("version", 0)) or None
    await record_act(request, who.subject, who.role, action, target_type="account",
                     target_id=str(doc["_id"]), before=after - 1 if after else None, after=after,
                     details=details)


def accounts_router(settings: Settings, accounts: Accounts) -> APIRouter:
    router = APIRouter(
        prefix="/v1/admin/accounts", tags=["admin"],
        dependencies=[editor_jwt("admin")],
        responses={**SERVICE_ERRORS, **BODY_ERRORS, **error_responses(401, 403)})
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]

    @router.post("", status_code=201, response_model=s.AccountOut,
                 responses=error_responses(409))
    async def create(body: s.AccountIn, who: admin, request: Request) -> s.AccountOut:
        new = NewAccount(body.username, body.name, str(body.email), body.role, body.password,
                         body.phone)
        async with refusals(body.username):
            doc = await accounts.create(new, who.subject)
        await _audit(request, who, "account.create", doc)
        return s.account_out(doc)

    @router.get("", response_model=s.AccountListOut)
    async def list_accounts(
        _: admin, limit: Annotated[int, Query(ge=1, le=100)] = 50,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> s.AccountListOut:
        docs = await accounts.page(limit + 1, cursor)
        page = docs[:limit]
        return s.AccountListOut(items=[s.account_out(d) for d in page],
                                next_cursor=page[-1]["_id"] if len(docs) > limit else None)

    @router.get("/{username}", response_model=s.AccountDetailOut,
                responses=error_responses(404))
    async def get_account(username: Username, _: admin) -> s.AccountDetailOut:
        async with refusals(username):
            return s.account_detail_out(await accounts.get(username))

    @router.patch("/{username}", response_model=s.AccountDetailOut,
                  responses=error_responses(404, 409))
    async def update(username: Username, body: s.AccountUpdateIn, who: admin,
                     request: Request) -> s.AccountDetailOut:
        """Change the name, the email address (for the notifier's messages) or the role."""
        changes = {k: str(v) for k, v in body.model_dump(exclude_none=True).items()}
        async with refusals(username):
            doc = await accounts.update(username, changes, who.subject)
        await _audit(request, who, "account.update", doc, {"fields": ",".join(sorted(changes))})
        return s.account_detail_out(doc)

    @router.post("/{username}/disable", response_model=s.AccountDetailOut,
                 responses=error_responses(404, 409))
    async def disable(username: Username, body: s.DisableIn, who: admin,
                      request: Request) -> s.AccountDetailOut:
        """Every service refuses the account's tokens once it has the event (at once here)."""
        async with refusals(username):
            doc = await accounts.disable(username, who.subject, body.reason)
        await _audit(request, who, "account.disable", doc, {"reason": body.reason})
        return s.account_detail_out(doc)

    @router.post("/{username}/enable", response_model=s.AccountDetailOut,
                 responses=error_responses(404, 409))
    async def enable(username: Username, who: admin, request: Request) -> s.AccountDetailOut:
        async with refusals(username):
            doc = await accounts.enable(username, who.subject)
        await _audit(request, who, "account.enable", doc)
        return s.account_detail_out(doc)

    return router
