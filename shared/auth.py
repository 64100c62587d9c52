"""Credentials: OPD API keys (hashed, constant-time), editor JWTs and password hashing.

Storage and lookup of keys and accounts belong to the service that owns them; this module holds
the cryptography and the FastAPI dependency that turns a bearer JWT into a principal, honoured
only for an account the service knows as active (its `AccountDirectory`, on `app.state`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import jwt
from fastapi import FastAPI, Request
from pwdlib import PasswordHash

from shared.errors import ApiError
from shared.settings import Settings

KEY_PREFIX = "wrt"
ROLES = ("editor", "chief_editor", "admin")  # each includes the rights of those before it
# They hold the office's official accounts: editorial's login asks them for a TOTP code too.
SECOND_FACTOR_ROLES = frozenset({"chief_editor", "admin"})
JWT_ALGORITHMS = ["HS256"]  # explicit allowlist: never "none", never taken from the token
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


# "mfa": the password was right, the second factor is owed; it opens only /v1/auth/totp/*.
TokenKind = Literal["access", "refresh", "mfa"]
MFA_TTL_SECONDS = 300


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    name: str = ""
    second_factor: bool = False  # signed in with a TOTP code as well (the token's `amr`)


@dataclass(frozen=True)
class Account:
    """What a service knows of an editorial account: enough to honour its tokens or not."""

    username: str
    role: str
    active: bool


class AccountDirectory(Protocol):
    async def account(self, username: str) -> Account | None: ...


# ---- OPD API keys: wrt_<key_id>_<secret>; only HMAC(key_id, secret) is stored -------------

def new_api_key() -> tuple[str, str, str]:
    """Returns (key_id, full key shown once, stored hash)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}", hash_key_secret(key_id, secret)


def hash_key_secret(key_id: str, secret: str) -> str:
    return hmac.new(key_id.encode(), secret.encode(), hashlib.sha256).hexdigest()


def split_api_key(full_key: str) -> tuple[str, str] | None:
    parts = full_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or len(parts[2]) < 32:
        return None
    return parts[1], parts[2]


def key_matches(key_id: str, secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key_secret(key_id, secret), stored_hash)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer <credential>'.",
                       headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


# ---- editors: argon2id password hashes and short-lived JWTs -------------------------------

_passwords = PasswordHash.recommended()  # argon2id


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _passwords.verify(password, hashed)


def issue_token(settings: Settings, principal: Principal, kind: TokenKind = "access"
                ) -> tuple[str, int]:
    """A signed JWT: short-lived access tokens; refresh tokens only buy a new access token."""
    ttl = {"access": settings.jwt_ttl_seconds, "refresh": settings.jwt_refresh_ttl_seconds,
           "mfa": MFA_TTL_SECONDS}[kind]
    now = datetime.now(UTC)
    claims = {
        "sub": principal.subject, "role": principal.role, "name": principal.name, "typ": kind,
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "amr": ["pwd", "otp"] if principal.second_factor else ["pwd"],  # RFC 8176 values
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    return token, ttl


def decode_token(settings: Settings, token: str, kind: TokenKind = "access") -> Principal:
    try:
        claims = jwt.decode(
            token, settings.jwt_secret.get_secret_value(), algorithms=JWT_ALGORITHMS,
            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ApiError(401, "token_expired", "The token has expired; refresh it or log in again.",
                       headers=_CHALLENGE) from exc
    except jwt.InvalidTokenError as exc:
        raise ApiError(401, "unauthorized", "The token is invalid.", headers=_CHALLENGE) from exc
    if claims.get("typ") != kind:
        raise ApiError(401, "unauthorized", f"The token is not a valid {kind} token.",
                       headers=_CHALLENGE)
    role = claims.get("role")
    if role not in ROLES:
        raise ApiError(401, "unauthorized", "The token carries no editorial role.",
                       headers=_CHALLENGE)
    return Principal(subject=str(claims["sub"]), role=str(role), name=str(claims.get("name", "")),
                     second_factor="otp" in (claims.get("amr") or []))


def honoured(principal: Principal, account: Account | None) -> Principal:
    """A token counts only for a known, active account, and never above its current role."""
    if account is None:
        raise ApiError(401, "account_unknown", "The token's account is not known here (yet).",
                       headers=_CHALLENGE)
    if not account.active or account.role not in ROLES:
        raise ApiError(401, "account_disabled", "The token's account is disabled.",
                       headers=_CHALLENGE)
    role = min(principal.role, account.role, key=ROLES.index)  # a demotion counts at once
    return Principal(subject=principal.subject, role=role, name=principal.name)


def install_accounts(app: FastAPI, directory: AccountDirectory) -> None:
    """The directory `require_role` checks tokens against, for every route of this app."""
    app.state.accounts = directory


def require_role(
    settings: Settings, minimum: str
) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """FastAPI dependency: a valid access JWT of an active account, role at least `minimum`."""
    needed = ROLES.index(minimum)

    async def dependency(request: Request) -> Principal:
        claimed = decode_token(settings, bearer_token(request))
        directory: AccountDirectory | None = getattr(request.app.state, "accounts", None)
        if directory is None:  # a wiring bug: fail closed, loudly
            raise RuntimeError("no AccountDirectory installed on this app (install_accounts)")
        principal = honoured(claimed, await directory.account(claimed.subject))
        if ROLES.index(principal.role) < needed:
            raise ApiError(403, "forbidden", f"Tindakan ini memerlukan peran '{minimum}'; "
                           f"akun Anda berperan '{principal.role}'.",
                           {"required_role": minimum, "role": principal.role})
        return principal

    return dependency
