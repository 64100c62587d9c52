"""Signing in (password, then TOTP for chief editors and admins), sessions and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp

from services.console.attempt_repository import AttemptRepository
from services.console.domain import (
    ApiRefusal,
    Session,
    Stage,
    id_hash,
    needs_second_factor,
    new_token,
)
from services.console.gateway import Gateway
from services.console.session_repository import SessionRepository
from services.console.totp_repository import TotpRepository
from shared.auth import decode_token
from shared.settings import Settings

ISSUER = "Warta"
REFRESH_MARGIN = timedelta(seconds=30)


class TooManyAttempts(Exception):
    """Past the limit of failed sign-ins for this username or this address."""


class WrongCode(Exception):
    """The TOTP code does not match (or was used already)."""


@dataclass
class Enrolment:
    secret: str
    uri: str


def now() -> datetime:
    return datetime.now(UTC)


class SignIn:
    def __init__(self, settings: Settings, gateway: Gateway, sessions: SessionRepository,
                 attempts: AttemptRepository, totps: TotpRepository) -> None:
        self.settings, self.gateway = settings, gateway
        self.sessions, self.attempts, self.totps = sessions, attempts, totps
        self.limit, self.ip_limit = settings.console_login_limit, settings.console_login_ip_limit
        self.ttl = timedelta(hours=settings.console_session_hours)

    async def _guard(self, keys: list[str]) -> None:
        """keys: the account's, then the address's (an office shares one: a higher limit)."""
        account, address = keys
        if (await self.attempts.recent([account], now()) >= self.limit
                or await self.attempts.recent([address], now()) >= self.ip_limit):
            raise TooManyAttempts

    async def password(self, username: str, password: str, address: str) -> tuple[str, Session]:
        """A new session id (for the cookie) and its session; raises ApiRefusal on 401."""
        keys = [f"user:{username.lower()}", f"ip:{address}"]
        await self._guard(keys)
        try:
            pair = await self.gateway.call("POST", "/v1/auth/token", forwarded_for=address,
                                           data={"username": username, "password": password})
        except ApiRefusal as refusal:
            if refusal.status == 401:
                await self.attempts.failed(keys, now())
            raise
        principal = decode_token(self.settings, pair["access_token"])
        stage = Stage.SIGNED_IN
        if needs_second_factor(principal.role):
            existing = await self.totps.get(principal.subject)
            stage = Stage.TOTP if existing and existing.get("confirmed") else Stage.ENROL
        session_id = new_token()
        session = Session(
            id_hash=id_hash(session_id), username=principal.subject, role=principal.role,
            name=principal.name, stage=stage, csrf=new_token(),
            access_token=pair["access_token"], refresh_token=pair["refresh_token"],
            access_expires=now() + timedelta(seconds=int(pair["expires_in"])),
            expires_at=now() + self.ttl)
        await self.sessions.add(session)
        return session_id, session

    async def enrolment(self, session: Session) -> Enrolment:
        doc = await self.totps.enrol(session.username, pyotp.random_base32(), now())
        secret = str(doc["secret"])
        uri = pyotp.TOTP(secret).provisioning_uri(name=session.username, issuer_name=ISSUER)
        return Enrolment(secret, uri)

    async def second_factor(self, session: Session, code: str, address: str) -> None:
        keys = [f"totp:{session.username}", f"ip:{address}"]
        await self._guard(keys)
        doc = await self.totps.get(session.username)
        step = _matching_step(str(doc["secret"]), code.strip()) if doc else None
        if step is None or not await self.totps.use_step(session.username, step, now()):
            await self.attempts.failed(keys, now())
            raise WrongCode
        await self.sessions.advance(session.id_hash, session.stage, Stage.SIGNED_IN)

    async def current(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        return await self.sessions.get(id_hash(session_id), now())

    async def token(self, session: Session) -> str:
        """The access token, refreshed through editorial when it is about to expire."""
        if session.access_expires - REFRESH_MARGIN > now():
            return session.access_token
        pair: dict[str, Any] = await self.gateway.call(
            "POST", "/v1/auth/refresh", json={"refresh_token": session.refresh_token})
        expires = now() + timedelta(seconds=int(pair["expires_in"]))
        await self.sessions.tokens(session.id_hash, pair["access_token"],
                                   pair["refresh_token"], expires)
        return str(pair["access_token"])

    async def sign_out(self, session: Session) -> None:
        await self.sessions.remove(session.id_hash)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step the code belongs to: this one or a neighbour (clocks drift)."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp, moment = pyotp.TOTP(secret), now()
    for offset in (0, -1, 1):
        at = moment + timedelta(seconds=offset * totp.interval)
        if pyotp.utils.strings_equal(totp.at(at), code):
            return int(totp.timecode(at))
    return None
