"""OPD user accounts (pranata humas): the rules of usernames, passwords, sessions and resets."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.events.common import OpdRef

USERNAME_PATTERN = r"^[a-z0-9._-]{3,64}$"
PASSWORD_MIN, PASSWORD_MAX = 10, 256
PRINCIPAL_PREFIX = "user:"  # an OPD user's requests carry key_id "user:<username>"


class ResetPurpose(StrEnum):
    RESET = "reset"  # asked for on the login page
    WELCOME = "welcome"  # a new account without a password: "set your password"


@dataclass(frozen=True)
class OpdUser:
    username: str
    opd_id: str
    opd: OpdRef
    name: str
    email: str
    active: bool
    password_hash: str | None
    password_version: int
    created_at: datetime

    @property
    def key_id(self) -> str:
        return f"{PRINCIPAL_PREFIX}{self.username}"


# An office's pranata humas share one public address (NAT): it may fail this many times more.
ADDRESS_FACTOR = 6


@dataclass(frozen=True)
class LoginLimits:
    """At most `failures` failed logins per username, and `failures * ADDRESS_FACTOR` per client
    address, per `window`."""

    failures: int
    window: timedelta

    def keys(self, username: str, address: str) -> list[str]:
        return [f"user:{username}", f"addr:{address}"]

    def limits(self) -> tuple[int, int]:
        """The limits of `keys`' entries, in their order."""
        return self.failures, self.failures * ADDRESS_FACTOR


class OpdUserRefused(Exception):
    """A request about OPD users that cannot be done as asked; the message says why."""


class UsernameTaken(OpdUserRefused):
    pass


class OpdUserNotFound(OpdUserRefused):
    pass


class InvalidCredentials(OpdUserRefused):
    pass


class LoginLocked(OpdUserRefused):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed logins")
        self.retry_after = retry_after


class InvalidResetToken(OpdUserRefused):
    pass


def new_reset_token() -> tuple[str, str]:
    """(token for the link, shown once; its hash, the only thing stored)."""
    token = secrets.token_urlsafe(32)
    return token, reset_token_hash(token)


def reset_token_hash(token: str) -> str:
    # A 256-bit random token needs no slow hash: a lookup by its SHA-256 is safe and fast.
    return hashlib.sha256(token.encode()).hexdigest()


def reset_link(public_base_url: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}/console/opd/sandi/{token}"


def valid_for_text(lifetime: timedelta) -> str:
    """How long a link lasts, in Indonesian ("30 menit", "72 jam")."""
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60 == 0 and minutes >= 60:
        return f"{minutes // 60} jam"
    return f"{minutes} menit"
