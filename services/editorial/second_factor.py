"""Chief editors' and admins' second factor: a 5-minute mfa token after the password, then TOTP.

The Auth0 "mfa_token" pattern: the password alone buys only a token that opens the enrolment
and the verification, never an article; the verified code buys the token pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from services.editorial.account_repository import AccountRepository
from services.editorial.login import LoginGuard
from services.editorial.totp_repository import TotpRepository
from shared.auth import SECOND_FACTOR_ROLES, Principal, decode_token, issue_token
from shared.envelope import utcnow
from shared.errors import ApiError
from shared.settings import Settings

ISSUER = "Warta"  # the name authenticator apps show beside the account


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


class InvalidCode(Exception):
    """The code does not match the account's secret now, or its time step was used."""

    def __init__(self, username: str) -> None:
        super().__init__(username)
        self.username = username


def needs_second_factor(role: str) -> bool:
    return role in SECOND_FACTOR_ROLES


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time step the code belongs to: this one or a neighbour (clocks drift)."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        at = moment + timedelta(seconds=offset * totp.interval)
        if pyotp.utils.strings_equal(totp.at(at), code):
            return int(totp.timecode(at))
    return None


class SecondFactor:
    def __init__(self, settings: Settings, totps: TotpRepository, accounts: AccountRepository,
                 guard: LoginGuard) -> None:
        self.settings, self.totps, self.accounts, self.guard = settings, totps, accounts, guard

    async def challenge(self, who: Principal) -> tuple[str, bool]:
        """The mfa token the password bought, and whether a secret is confirmed already."""
        token, _ = issue_token(self.settings, who, kind="mfa")
        return token, await self.totps.enrolled(who.subject)

    async def enrol(self, mfa_token: str) -> Enrolment:
        """The pending secret (AlreadyConfirmed once a code has confirmed one)."""
        who = decode_token(self.settings, mfa_token, kind="mfa")
        secret = await self.totps.pending(who.subject, pyotp.random_base32(), utcnow())
        uri = pyotp.TOTP(secret).provisioning_uri(name=who.subject, issuer_name=ISSUER)
        return Enrolment(secret, uri)

    async def verify(self, mfa_token: str, otp: str, address: str) -> tuple[Principal, bool]:
        """The principal as the account is now, and whether this code confirmed the enrolment.
        Raises InvalidCode (counted against the account and the address)."""
        who = decode_token(self.settings, mfa_token, kind="mfa")
        attempt = await self.guard.check(who.subject, address, kind="totp")
        secret = await self.totps.secret(who.subject)
        moment = utcnow()
        step = matching_step(secret, otp.strip(), moment) if secret is not None else None
        before = await self.totps.use_step(who.subject, step, moment) if step is not None else None
        if before is None:
            raise InvalidCode(who.subject)
        await self.guard.succeeded(attempt)
        account = await self.accounts.get(who.subject)
        if account is None or not account.get("active"):
            raise ApiError(401, "account_disabled", "The account is disabled or gone; "
                           "ask an admin.", headers={"WWW-Authenticate": "Bearer"})
        principal = Principal(subject=who.subject, role=account["role"],
                              name=account.get("name", ""))
        return principal, not before.get("confirmed")

    async def reset(self, username: str) -> bool:
        return await self.totps.reset(username)
