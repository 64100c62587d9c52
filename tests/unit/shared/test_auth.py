"""Credentials: API key format and hashing, JWT validation rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import (
    Principal,
    decode_token,
    issue_token,
    key_matches,
    new_api_key,
    split_api_key,
)
from shared.errors import ApiError
from shared.settings import Settings

SETTINGS = Settings(env="test", jwt_secret="k" * 40)


def test_an_api_key_round_trips_and_only_its_hash_is_kept() -> None:
    key_id, full, stored = new_api_key()
    parts = split_api_key(full)
    assert parts is not None and parts[0] == key_id
    assert parts[1] not in stored
    assert key_matches(key_id, parts[1], stored)
    assert not key_matches(key_id, parts[1] + "x", stored)


@pytest.mark.parametrize("bad", ["", "wrt", "wrt__abc", "xyz_abc_" + "a" * 40, "wrt_id_short"])
def test_malformed_api_keys_are_refused(bad: str) -> None:
    assert split_api_key(bad) is None


def test_a_token_round_trips_with_its_role() -> None:
    token, ttl = issue_token(SETTINGS, Principal("rina", "chief_editor", "Rina"))
    assert ttl == SETTINGS.jwt_ttl_seconds
    principal = decode_token(SETTINGS, token)
    assert (principal.subject, principal.role) == ("rina", "chief_editor")


def claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {"sub": "rina", "role": "admin", "iss": SETTINGS.jwt_issuer,
                               "aud": SETTINGS.jwt_audience, "exp": now + timedelta(minutes=5)}
    return {**base, **overrides}


def test_unsigned_expired_foreign_and_roleless_tokens_are_refused() -> None:
    secret = SETTINGS.jwt_secret.get_secret_value()
    tokens = {
        "alg none": jwt.encode(claims(), key=None, algorithm="none"),
        "expired": jwt.encode(claims(exp=datetime.now(UTC) - timedelta(seconds=1)), secret),
        "other issuer": jwt.encode(claims(iss="someone-else"), secret),
        "other audience": jwt.encode(claims(aud="other"), secret),
        "wrong key": jwt.encode(claims(), "z" * 40),
        "no role": jwt.encode(claims(role="opd"), secret),
    }
    for label, token in tokens.items():
        with pytest.raises(ApiError) as refused:
            decode_token(SETTINGS, token)
        assert refused.value.status == 401, label


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValueError, match="WARTA_JWT_SECRET"):
        Settings(env="production")
