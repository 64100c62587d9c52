"""Signing in (password, then TOTP for chief editors and admins), sessions and their tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.console.attempt_repository import AttemptRepository
from services.console.domain import (
    OPD_ROLE,
    ApiRefusal,
    Session,
    Stage,
    id_hash,
    new_token,
)
from services.console.gateway import Gateway
from services.console.session_repository import SessionRepository
from services.console.web import SignInRequired
from shared.auth import MFA_TTL_SECONDS, decode_token
from shared.settings import Settings

REFRESH_MARGIN = timedelta(seconds=30)
# Editorial's answer to a chief editor's or admin's right password: a TOTP code is owed.
SECOND_FACTOR_REQUIRED = "second_factor_required"


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
                 attempts: AttemptRepository) -> None:
        self.settings, self.gateway = settings, gateway
        self.sessions, self.attempts = sessions, attempts
        self.limit, self.ip_limit = settings.console_login_limit, settings.console_login_ip_limit
        self.ttl = timedelta(hours=settings.console_session_hours)

    async def _guard(self, keys: list[str]) -> None:
        """keys: the account's, then the address's (an office shares one: a higher limit)."""
        account, address = keys
        if (await self.attempts.recent([account], now()) >= self.limit
                or await self.attempts.recent([address], now()) >= self.ip_limit):
            raise TooManyAttempts

    async def password(self, username: str, password: str, address: str) -> tuple[str, Session]:
        """A new session id (for the cookie) and its session; raises ApiRefusal on 401. A chief
        editor's or admin's session opens owing the TOTP code: it holds editorial's mfa token
        (which opens no page) until the code buys the token pair."""
        keys = [f"user:{username.lower()}", f"ip:{address}"]
        await self._guard(keys)
        owed: dict[str, Any] | None = None
        try:
            pair = await self.gateway.call("POST", "/v1/auth/token", forwarded_for=address,
                                           data={"username": username, "password": password})
        except ApiRefusal as refusal:
            if refusal.status == 401:
                await self.attempts.failed(keys, now())
            if refusal.code != SECOND_FACTOR_REQUIRED or not isinstance(refusal.details, dict):
                raise
            owed = refusal.details
            pair = {"access_token": owed["mfa_token"], "refresh_token": "",
                    "expires_in": MFA_TTL_SECONDS}
        principal = decode_token(self.settings, pair["access_token"],
                                 kind="mfa" if owed is not None else "access")
        stage = Stage.SIGNED_IN
        if owed is not None:
            stage = Stage.TOTP if owed.get("enrolled") else Stage.ENROL
        session_id = new_token()
        session = Session(
            id_hash=id_hash(session_id), username=principal.subject, role=principal.role,
            name=principal.name, stage=stage, csrf=new_token(),
            access_token=pair["access_token"], refresh_token=pair["refresh_token"],
            access_expires=now() + timedelta(seconds=int(pair["expires_in"])),
            expires_at=now() + self.ttl)
        await self.sessions.add(session)
        return session_id, session

    async def enrolment(self, session: Session) -> Enrolment | None:
        """Editorial's pending secret for this account; None once it is confirmed (another tab
        finished the enrolment: the session then only owes the code)."""
        try:
            shown = await self.gateway.call("POST", "/v1/auth/totp/enrol",
                                            token=session.access_token)
        except ApiRefusal as refusal:
            await self._expired(session, refusal)
            if refusal.code != "already_enrolled":
                raise
            await self.sessions.advance(session.id_hash, Stage.ENROL, Stage.TOTP)
            return None
        return Enrolment(str(shown["secret"]), str(shown["otpauth_uri"]))

    async def second_factor(self, session: Session, code: str, address: str) -> None:
        """Editorial checks the code (each time step once); its token pair replaces the mfa
        token, then the session is signed in."""
        keys = [f"totp:{session.username}", f"ip:{address}"]
        await self._guard(keys)
        try:
            pair = await self.gateway.call(
                "POST", "/v1/auth/totp/verify", forwarded_for=address,
                json={"mfa_token": session.access_token, "otp": code.strip()[:16]})
        except ApiRefusal as refusal:
            if refusal.code in ("invalid_second_factor", "validation_error"):
                await self.attempts.failed(keys, now())
                raise WrongCode from refusal
            if refusal.status == 429:
                raise TooManyAttempts from refusal
            await self._expired(session, refusal)
            raise
        await self.sessions.tokens(session.id_hash, pair["access_token"], pair["refresh_token"],
                                   now() + timedelta(seconds=int(pair["expires_in"])))
        await self.sessions.advance(session.id_hash, session.stage, Stage.SIGNED_IN)

    async def _expired(self, session: Session, refusal: ApiRefusal) -> None:
        """The mfa token lapsed (5 minutes) or the account went: sign in from the start."""
        if refusal.status == 401:
            await self.sessions.remove(session.id_hash)
            raise SignInRequired from refusal

    async def current(self, session_id: str | None) -> Session | None:
        """An editor's session; an OPD's session opens none of the desk's pages."""
        session = await self.current_any(session_id)
        return None if session is None or session.role == OPD_ROLE else session

    async def current_any(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        return await self.sessions.get(id_hash(session_id), now())

    async def token(self, session: Session) -> str:
        """The access token, refreshed through editorial when it is about to expire (an OPD's
        ingest token has no refresh: its session ends with it)."""
        if session.role == OPD_ROLE or session.access_expires - REFRESH_MARGIN > now():
            return session.access_token
        pair: dict[str, Any] = await self.gateway.call(
            "POST", "/v1/auth/refresh", json={"refresh_token": session.refresh_token})
        expires = now() + timedelta(seconds=int(pair["expires_in"]))
        await self.sessions.tokens(session.id_hash, pair["access_token"],
                                   pair["refresh_token"], expires)
        return str(pair["access_token"])

    async def sign_out(self, session: Session) -> None:
        await self.sessions.remove(session.id_hash)
