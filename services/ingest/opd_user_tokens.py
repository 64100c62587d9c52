"""OPD users' access tokens: JWTs of their own audience and kind, never taken for an editor's.

An editor JWT has audience `jwt_audience` and kind "access"; these have audience
`<jwt_audience>-opd` and kind "opd_access", and each side requires its own, so neither is
ever accepted for the other. `pv` is the user's password version: a reset or a disable bumps
it, and older tokens are refused from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from services.ingest.opd_user_domain import OpdUser
from shared.auth import JWT_ALGORITHMS
from shared.settings import Settings

KIND = "opd_access"


@dataclass(frozen=True)
class OpdClaims:
    username: str
    password_version: int


def audience(settings: Settings) -> str:
    return f"{settings.jwt_audience}-opd"


def issue_opd_token(settings: Settings, user: OpdUser, ttl: timedelta) -> tuple[str, int]:
    now = datetime.now(UTC)
    claims = {"sub": user.username, "typ": KIND, "pv": user.password_version,
              "opd": user.opd_id, "iss": settings.jwt_issuer, "aud": audience(settings),
              "iat": now, "exp": now + ttl}
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    return token, int(ttl.total_seconds())


def decode_opd_token(settings: Settings, token: str) -> OpdClaims | None:
    """The claims of a valid, unexpired OPD user token; None for anything else."""
    try:
        claims = jwt.decode(
            token, settings.jwt_secret.get_secret_value(), algorithms=JWT_ALGORITHMS,
            audience=audience(settings), issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub", "typ", "pv"]})
    except jwt.InvalidTokenError:
        return None
    if claims.get("typ") != KIND or not isinstance(claims.get("pv"), int):
        return None
    return OpdClaims(username=str(claims["sub"]), password_version=int(claims["pv"]))
