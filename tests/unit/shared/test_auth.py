"""Credentials: API key format and hashing, JWT validation rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import (
    Account,
    Principal,
    decode_token,
    honoured,
    issue_token,
    key_matches,
    new_api_key,
    split_api_key,
)
from shared.errors import ApiError
from shared.settings import Settings

SETTINGS = Settings(env="test", jwt_secret="k" * 40, unsubscribe_secret="u" * 40)  # type: ignore[arg-type]


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
                               "aud": SETTINGS.jwt_audience, "exp": now + timedelta(minutes=5),
                               "typ": "access"}
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
        "no kind": jwt.encode({k: v for k, v in claims().items() if k != "typ"}, secret),
        "a refresh token": jwt.encode(claims(typ="refresh"), secret),
    }
    for label, token in tokens.items():
        with pytest.raises(ApiError) as refused:
            decode_token(SETTINGS, token)
        assert refused.value.status == 401, label


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValueError, match="WARTA_JWT_SECRET"):
        Settings(env="production")


def test_a_refresh_token_only_refreshes_and_lives_longer() -> None:
    refresh, ttl = issue_token(SETTINGS, Principal("rina", "editor"), kind="refresh")
    assert ttl == SETTINGS.jwt_refresh_ttl_seconds > SETTINGS.jwt_ttl_seconds
    assert decode_token(SETTINGS, refresh, kind="refresh").subject == "rina"
    with pytest.raises(ApiError):
        decode_token(SETTINGS, refresh)  # not an access token
    access, _ = issue_token(SETTINGS, Principal("rina", "editor"))
    with pytest.raises(ApiError):
        decode_token(SETTINGS, access, kind="refresh")


def test_a_token_counts_only_for_a_known_active_account_and_never_above_its_role() -> None:
    claimed = Principal("rina", "admin")
    for account, code in ((None, "account_unknown"),
                          (Account("rina", "admin", active=False), "account_disabled")):
        with pytest.raises(ApiError) as refused:
            honoured(claimed, account)
        assert (refused.value.status, refused.value.code) == (401, code)
    assert honoured(claimed, Account("rina", "editor", active=True)).role == "editor"
    assert honoured(Principal("rina", "editor"), Account("rina", "admin", True)).role == "editor"
