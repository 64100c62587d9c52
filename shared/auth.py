"""Credentials: OPD API keys (hashed, constant-time), editor JWTs and password hashing.

Storage and lookup of keys and users belong to the service that owns them; this module only
holds the cryptography and the FastAPI dependency that turns a bearer JWT into a principal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from fastapi import Request
from pwdlib import PasswordHash

from shared.errors import ApiError
from shared.settings import Settings

KEY_PREFIX = "wrt"
ROLES = ("editor", "chief_editor", "admin")  # each includes the rights of those before it
JWT_ALGORITHMS = ["HS256"]  # explicit allowlist: never "none", never taken from the token


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    name: str = ""


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


def issue_token(settings: Settings, principal: Principal) -> tuple[str, int]:
    now = datetime.now(UTC)
    claims = {
        "sub": principal.subject, "role": principal.role, "name": principal.name,
        "iss": settings.jwt_issuer, "aud": settings.jwt_audience, "iat": now,
        "exp": now + timedelta(seconds=settings.jwt_ttl_seconds),
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    return token, settings.jwt_ttl_seconds


def decode_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, settings.jwt_secret.get_secret_value(), algorithms=JWT_ALGORITHMS,
            audience=settings.jwt_audience, issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ApiError(401, "token_expired", "The token has expired; log in again.") from exc
    except jwt.InvalidTokenError as exc:
        raise ApiError(401, "unauthorized", "The token is invalid.") from exc
    role = claims.get("role")
    if role not in ROLES:
        raise ApiError(401, "unauthorized", "The token carries no editorial role.")
    return Principal(subject=str(claims["sub"]), role=str(role), name=str(claims.get("name", "")))


def require_role(
    settings: Settings, minimum: str
) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """FastAPI dependency: a valid editor JWT whose role is at least `minimum`."""
    needed = ROLES.index(minimum)

    async def dependency(request: Request) -> Principal:
        principal = decode_token(settings, bearer_token(request))
        if ROLES.index(principal.role) < needed:
            raise ApiError(403, "forbidden", f"This action needs the '{minimum}' role.")
        return principal

    return dependency
