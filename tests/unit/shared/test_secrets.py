"""Signing secrets: the published defaults work only in local development on loopback."""

from __future__ import annotations

import pytest

from shared.settings import DEV_JWT_SECRET, Settings

PRIVATE = "p" * 40


@pytest.mark.parametrize(("env", "host"), [
    ("development", "0.0.0.0"),  # the container case: dev mode, but reachable
    ("development", "10.1.2.3"),
    ("test", "127.0.0.1"),
    ("production", "127.0.0.1"),  # loopback behind a reverse proxy is still production
])
def test_the_default_jwt_secret_is_refused_outside_local_development(env: str, host: str
                                                                    ) -> None:
    with pytest.raises(ValueError, match="WARTA_JWT_SECRET"):
        Settings(env=env, bind_host=host, unsubscribe_secret=PRIVATE)  # type: ignore[arg-type]


@pytest.mark.parametrize(("env", "host"), [("development", "0.0.0.0"), ("test", "::1")])
def test_the_default_unsubscribe_secret_is_refused_outside_local_development(
    env: str, host: str,
) -> None:
    with pytest.raises(ValueError, match="WARTA_UNSUBSCRIBE_SECRET"):
        Settings(env=env, bind_host=host, jwt_secret=PRIVATE)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_local_development_on_loopback_may_use_the_defaults(host: str) -> None:
    settings = Settings(env="development", bind_host=host)
    assert settings.jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_set_secrets_work_anywhere_and_must_be_long() -> None:
    Settings(env="production", bind_host="0.0.0.0", jwt_secret=PRIVATE,
             unsubscribe_secret="u" * 40)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 32"):
        Settings(env="production", jwt_secret="short", unsubscribe_secret="u" * 40)  # type: ignore[arg-type]


def test_previous_unsubscribe_secrets_verify_after_a_rotation() -> None:
    settings = Settings(env="test", jwt_secret=PRIVATE, unsubscribe_secret="n" * 40,
                        unsubscribe_previous_secrets=f"{'o' * 40}, {'q' * 40}")  # type: ignore[arg-type]
    assert settings.unsubscribe_keys() == ["n" * 40, "o" * 40, "q" * 40]
    with pytest.raises(ValueError, match="at least 32"):
        Settings(env="test", jwt_secret=PRIVATE, unsubscribe_secret="n" * 40,
                 unsubscribe_previous_secrets="tiny")  # type: ignore[arg-type]


def test_the_published_secrets_need_development_to_be_asked_for_explicitly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The default `env` is development, but a deployment that merely forgot WARTA_ENV on a
    loopback host behind a proxy must not run on the published secrets."""
    monkeypatch.delenv("WARTA_ENV", raising=False)
    with pytest.raises(ValueError, match="WARTA_JWT_SECRET"):
        Settings(bind_host="127.0.0.1")
    monkeypatch.setenv("WARTA_ENV", "development")
    assert Settings(bind_host="127.0.0.1").local_development()


def test_access_tokens_live_minutes_by_default() -> None:
    settings = Settings(env="development")
    assert settings.jwt_ttl_seconds <= 15 * 60
    assert settings.jwt_refresh_ttl_seconds > settings.jwt_ttl_seconds
