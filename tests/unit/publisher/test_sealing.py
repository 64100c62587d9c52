"""Sealed credentials: secrets never in clear, a key rotates, the dev key only in development."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr

from services.publisher.sealing import CredentialsKeyMissing, Unsealable, seal, sealer, unseal
from shared.settings import Settings


class Creds(BaseModel):
    bot_token: SecretStr
    chat_id: str


def settings(key: str | None, env: str = "test") -> Settings:
    return Settings(env=env, jwt_secret="k" * 40, unsubscribe_secret="u" * 40,  # type: ignore[arg-type]
                    publisher_credentials_key=key)


def test_a_sealed_credential_holds_no_secret_in_clear_and_opens_after_a_key_rotation() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = seal(sealer(settings(old)), Creds(bot_token=SecretStr("123:rahasia"), chat_id="@h"))
    assert "rahasia" not in sealed and "@h" not in sealed
    rotated = sealer(settings(f"{new},{old}"))  # newest first; the old one still opens
    assert unseal(rotated, sealed) == {"bot_token": "123:rahasia", "chat_id": "@h"}
    with pytest.raises(Unsealable):
        unseal(sealer(settings(new)), sealed)


def test_the_development_key_only_in_development_and_a_bad_key_is_named_not_echoed() -> None:
    with pytest.raises(CredentialsKeyMissing, match="WARTA_PUBLISHER_CREDENTIALS_KEY"):
        sealer(settings(None))
    assert sealer(Settings(env="development"))  # loopback development: the published key
    with pytest.raises(CredentialsKeyMissing) as refused:
        sealer(settings("not-a-fernet-key"))
    assert "not-a-fernet-key" not in str(refused.value)
