"""The TOTP secrets' key: the published default only in local development, a bad key not echoed."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from services.editorial.second_factor import matching_step
from services.editorial.totp_repository import TotpKeyRefused, totp_sealer
from shared.settings import DEV_TOTP_KEY, Settings


def settings(key: str, env: str = "test") -> Settings:
    return Settings(env=env, jwt_secret="k" * 40, unsubscribe_secret="u" * 40,  # type: ignore[arg-type]
                    editorial_totp_key=key)


def test_the_development_key_is_refused_outside_local_development() -> None:
    with pytest.raises(TotpKeyRefused, match="WARTA_EDITORIAL_TOTP_KEY"):
        totp_sealer(settings(DEV_TOTP_KEY))
    with pytest.raises(TotpKeyRefused, match="WARTA_EDITORIAL_TOTP_KEY"):
        totp_sealer(settings(DEV_TOTP_KEY, env="production"))
    assert totp_sealer(Settings(env="development"))  # loopback development: the published key
    with pytest.raises(TotpKeyRefused) as refused:
        totp_sealer(settings("not-a-fernet-key"))
    assert "not-a-fernet-key" not in str(refused.value)


def test_a_code_matches_its_step_and_one_step_of_drift_either_way() -> None:
    secret, moment = pyotp.random_base32(), datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC)
    totp = pyotp.TOTP(secret)
    step = totp.timecode(moment)
    for offset in (-1, 0, 1):
        assert matching_step(secret, totp.generate_otp(step + offset), moment) == step + offset
    assert matching_step(secret, totp.generate_otp(step + 2), moment) is None
    assert matching_step(secret, "12345a", moment) is None
