"""Use cases of OPD user accounts: create, list, disable, log in, and password links.

Passwords are argon2id (shared.auth), hashed and verified off the event loop. Failed logins and
reset requests are counted in the database, so every instance sees the same counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from services.ingest.domain import OpdNotFound
from services.ingest.opd_repository import OpdRepository, opd_ref
from services.ingest.opd_user_domain import (
    InvalidCredentials,
    InvalidResetToken,
    LoginLimits,
    LoginLocked,
    OpdUser,
    OpdUserNotFound,
    ResetPurpose,
    UsernameTaken,
    new_reset_token,
    reset_link,
    reset_token_hash,
    valid_for_text,
)
from services.ingest.opd_user_repository import OpdUserRepository, UserExists
from shared.auth import hash_password, verify_password
from shared.envelope import root_event, utcnow
from shared.events.opd_users import (
    OPD_USER_PASSWORD_RESET_REQUESTED,
    OpdUserPasswordResetRequestedV1,
)
from shared.mongo import Document

log = logging.getLogger("warta.ingest.opd_users")

# Verifying against this keeps "no such user" as slow as "wrong password".
_DUMMY_HASH = hash_password("not-a-real-password-0000")


@dataclass(frozen=True)
class LinkPolicy:
    reset: timedelta
    welcome: timedelta
    requests_per_hour: int  # reset requests per client address, and per email
    public_base_url: str


class OpdUsers:
    def __init__(self, users: OpdUserRepository, opds: OpdRepository, limits: LoginLimits,
                 links: LinkPolicy, announce: Callable[[str], Awaitable[int]]) -> None:
        self.users, self.opds, self.limits, self.links = users, opds, limits, links
        self._announce = announce  # relays a link's event now; the sweep relays what it misses

    async def create(self, code: str, *, username: str, name: str, email: str,
                     password: str | None) -> OpdUser:
        opd = await self._opd(code)
        hashed = await asyncio.to_thread(hash_password, password) if password else None
        user = OpdUser(username=username, opd_id=opd["_id"], opd=opd_ref(opd), name=name,
                       email=email.lower(), active=True, password_hash=hashed,
                       password_version=1, created_at=utcnow())
        try:
            await self.users.create(user)
        except UserExists as exc:
            raise UsernameTaken(f"Nama pengguna {username!r} sudah dipakai.") from exc
        if password is None:
            await self._send_link(user, ResetPurpose.WELCOME)
        return user

    async def of_opd(self, code: str) -> list[OpdUser]:
        return await self.users.of_opd((await self._opd(code))["_id"])

    async def disable(self, code: str, username: str) -> None:
        if not await self.users.disable((await self._opd(code))["_id"], username):
            raise OpdUserNotFound(f"{code} tidak memiliki pengguna {username!r}.")

    async def login(self, username: str, password: str, address: str) -> OpdUser:
        username = username.strip().lower()  # usernames are lowercase; phones capitalise
        keys = self.limits.keys(username, address)
        now = utcnow()
        # Counted before the password is checked, forgiven when it is right: parallel guesses
        # each see the others' attempts, so they cannot all slip under the limit.
        attempt = await self.users.record_attempt(keys, now, self.limits.window)
        for key, limit in zip(keys, self.limits.limits(), strict=True):
            count, oldest = await self.users.recent_attempts([key], now - self.limits.window)
            if count > limit:
                left = (oldest + self.limits.window - now).total_seconds() if oldest else 60.0
                raise LoginLocked(max(1, int(left) + 1))
        user = await self.users.get(username)
        usable = user is not None and user.active and user.password_hash is not None
        stored = user.password_hash if usable and user and user.password_hash else _DUMMY_HASH
        valid = await asyncio.to_thread(verify_password, password, stored)
        if not (valid and usable and user):
            raise InvalidCredentials("Nama pengguna atau kata sandi salah.")
        await self.users.forgive_attempt(attempt)
        return user

    async def request_reset(self, email: str, address: str) -> None:
        """Mails a link to each active user with this email; nothing shows whether any has.
        Raises LoginLocked when this address asked too often (it says nothing of the email)."""
        now, hour = utcnow(), timedelta(hours=1)
        by_address = [f"reset-addr:{address}"]
        count, oldest = await self.users.recent_attempts(by_address, now - hour)
        if count >= self.links.requests_per_hour:
            left = (oldest + hour - now).total_seconds() if oldest else 60.0
            raise LoginLocked(max(1, int(left) + 1))
        by_email = [f"reset-email:{email.lower()}"]
        await self.users.record_attempt(by_address, now, hour)
        if (await self.users.recent_attempts(by_email, now - hour))[0] \
                >= self.links.requests_per_hour:
            log.info("password reset not sent: too many for this email")
            return
        await self.users.record_attempt(by_email, now, hour)
        for user in await self.users.active_by_email(email):
            await self._send_link(user, ResetPurpose.RESET)

    async def confirm_reset(self, token: str, password: str) -> None:
        # The link is spent first: hashing (argon2, CPU-bound) only for a real link, so random
        # tokens cannot keep the cores busy. The schema already checked the password's length.
        link = await self.users.use_link(reset_token_hash(token), utcnow())
        hashed = await asyncio.to_thread(hash_password, password) if link else ""
        if link is None or not await self.users.set_password(link[0], hashed, link[1]):
            raise InvalidResetToken("Tautan ini tidak berlaku: sudah dipakai, kedaluwarsa, "
                                    "atau salah. Mintalah tautan baru.")
        log.info("opd user password set", extra={"username": link[0]})

    async def _send_link(self, user: OpdUser, purpose: ResetPurpose) -> None:
        lifetime = self.links.welcome if purpose is ResetPurpose.WELCOME else self.links.reset
        token, token_hash = new_reset_token()
        expires_at = utcnow() + lifetime
        data = OpdUserPasswordResetRequestedV1(
            username=user.username, name=user.name, email=user.email, opd_id=user.opd_id,
            opd_name=user.opd.name, purpose=purpose.value,
            link=reset_link(self.links.public_base_url, token), expires_at=expires_at,
            valid_for=valid_for_text(lifetime))
        event = root_event(type=OPD_USER_PASSWORD_RESET_REQUESTED, version=1, source="ingest",
                           subject=user.username, data=data)
        await self.users.add_link(token_hash, user, purpose, expires_at, event)
        await self._announce(token_hash)

    async def _opd(self, code: str) -> Document:
        opd = await self.opds.by_code(code)
        if opd is None:
            raise OpdNotFound(f"No OPD with code {code!r}.")
        return opd
