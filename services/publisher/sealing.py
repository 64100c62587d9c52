"""Channel credentials sealed at rest: Fernet with a key from WARTA_PUBLISHER_CREDENTIALS_KEY.

The setting may list several keys, newest first (MultiFernet): new seals use the first, any of
them unseals, so a key rotates without a flag day; each save re-seals with the newest.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import BaseModel, SecretStr
from pydantic_core import to_jsonable_python

from shared.settings import DEV_CREDENTIALS_KEY, Settings


class CredentialsKeyMissing(ValueError):
    """Outside local development the published key is refused: set a private one."""


class Unsealable(Exception):
    """Sealed with a key no longer configured (or tampered with): credentials must be set again."""


def sealer(settings: Settings) -> MultiFernet:
    secret = settings.publisher_credentials_key
    if secret is None:
        if not settings.local_development():
            raise CredentialsKeyMissing(
                "WARTA_PUBLISHER_CREDENTIALS_KEY must be set (a Fernet key: "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`); the development key works only "
                "with WARTA_ENV=development on a loopback WARTA_BIND_HOST")
        raw = DEV_CREDENTIALS_KEY
    else:
        raw = secret.get_secret_value()
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:  # never echo the key itself
        raise CredentialsKeyMissing("WARTA_PUBLISHER_CREDENTIALS_KEY holds a value that is "
                                    "not a Fernet key (32 url-safe base64-encoded bytes)"
                                    ) from exc


def revealed(credentials: BaseModel) -> dict[str, Any]:
    """Every field in clear, secrets included: only ever passed to `seal`."""
    def open_secret(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, dict):
            return {k: open_secret(v) for k, v in value.items()}
        return value

    fields = {name: open_secret(getattr(credentials, name))
              for name in type(credentials).model_fields}
    result: dict[str, Any] = to_jsonable_python(fields)
    return result


def seal(fernet: MultiFernet, credentials: BaseModel) -> str:
    return fernet.encrypt(json.dumps(revealed(credentials)).encode()).decode()


def unseal(fernet: MultiFernet, sealed: str) -> dict[str, Any]:
    try:
        fields: dict[str, Any] = json.loads(fernet.decrypt(sealed.encode()))
    except InvalidToken as exc:
        raise Unsealable("the stored credentials cannot be decrypted with the configured "
                         "keys") from exc
    return fields
