"""Sign-up use cases: double opt-in, consent per channel, export and erasure, the abuse rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.notifier import domain
from services.notifier import signup_tokens as tokens
from services.notifier.consent_repository import ConsentRepository
from services.notifier.consent_texts import CONSENT_TEXTS
from services.notifier.preferences_rules import normalize_regions
from services.notifier.signup_repository import PENDING, SignupRepository
from services.notifier.signup_schemas import SignupIn
from shared.envelope import new_id, utcnow
from shared.mongo import Document, DuplicateKeyError
from shared.settings import Settings

CHALLENGE_TTL = timedelta(minutes=15)
CODE_TTL = timedelta(minutes=15)
# Never exported: what proves a link, a code, a binding or a webhook call genuine.
PRIVATE = frozenset({"token_nonce", "unsubscribe_hash", "confirm_nonce", "whatsapp_code",
                     "confirm", "telegram_bind"})
Wake = Callable[[str], Awaitable[None]]


class SignupRefused(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.retry_after = details, retry_after


@dataclass(frozen=True)
class Origin:
    """Where an agreement came from, as the front door reported it."""

    ip: str
    user_agent: str

    def as_document(self) -> dict[str, str]:
        return {"ip": self.ip, "user_agent": self.user_agent[:300]}


def consent_record(channel: str, origin: Origin, at: datetime, basis: str) -> dict[str, Any]:
    return {"text_version": CONSENT_TEXTS[channel].version, "agreed_at": at,
            "from": origin.as_document(), "basis": basis}


def pending_fields(settings: Settings, now: datetime) -> dict[str, Any]:
    """What makes an entry wait for its email confirmation (and expire unconfirmed)."""
    return {"status": PENDING, "active": False, "confirm_nonce": tokens.new_nonce(),
            "pending_expires_at": now + timedelta(hours=settings.notifier_signup_ttl_hours),
            "confirm.email": {"state": "due", "next_at": now, "attempts": 0}}


class Signups:
    def __init__(self, settings: Settings, repository: SignupRepository,
                 consents: ConsentRepository, wake: Wake) -> None:
        self.settings = settings
        self.repository = repository
        self.consents = consents
        self.wake = wake
        self.keys = settings.unsubscribe_keys()

    def challenge(self) -> tokens.Challenge:
        return tokens.new_challenge(self.keys[0], utcnow() + CHALLENGE_TTL)

    async def _limit(self, key: str, limit: int, now: datetime) -> None:
        if await self.consents.count(key, now) > limit:
            wait = self.consents.retry_after(now)
            raise SignupRefused(429, "rate_limited", "Terlalu banyak pendaftaran dari alamat "
                                f"ini. Coba lagi dalam {wait // 60 + 1} menit.",
                                {"retry_after_seconds": wait}, retry_after=wait)

    async def sign_up(self, data: SignupIn, origin: Origin) -> str | None:
        """Returns the WhatsApp code token when a code goes out; the same answer whether the
        address is new, pending or already confirmed (the form reveals nobody's address)."""
        now = utcnow()
        await self._limit(f"ip:{origin.ip}", self.settings.notifier_signup_per_ip_per_hour, now)
        for address in filter(None, (data.email, data.whatsapp)):
            await self._limit(f"address:{tokens.address_hash(address)}",
                              self.settings.notifier_signup_per_address_per_hour, now)
        try:
            nonce = tokens.challenge_nonce(self.keys, data.challenge_token,
                                           data.challenge_answer, now)
        except tokens.BadToken as exc:
            raise SignupRefused(422, "challenge_failed", "Jawaban pertanyaan keamanan salah "
                                "atau sudah kedaluwarsa. Minta pertanyaan baru lalu coba "
                                "lagi.") from exc
        if not await self.consents.use_challenge(nonce, now + CHALLENGE_TTL):
            raise SignupRefused(422, "challenge_used", "Pertanyaan keamanan ini sudah dipakai. "
                                "Minta pertanyaan baru.")
        _check_consents(data)
        existing = await self.repository.by_email(data.email)
        if existing is None:
            journalist_id = new_id()
            try:
                await self.repository.collection.insert_one(
                    _new_document(journalist_id, data, self._fields(data, origin, now), now))
            except DuplicateKeyError:  # a concurrent sign-up of the same address won
                existing = await self.repository.by_email(data.email)
            else:
                await self.wake(journalist_id)
                return self._code_token(data, journalist_id, now)
        if existing is None or existing.get("status") != PENDING:
            return None  # confirmed already (or just expired): nothing new is sent or revealed
        # Pending: the same confirmation again, never new details nor a new link, so another
        # person's sign-up can neither spoil the owner's link nor put their number on it.
        if await self.repository.resend_pending(existing["_id"], now):
            await self.wake(existing["_id"])
        return None

    def _fields(self, data: SignupIn, origin: Origin, now: datetime) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "name": data.name, "outlet": data.outlet, "whatsapp": data.whatsapp,
            "telegram": data.telegram, "regions": normalize_regions(data.regions),
            "updated_at": now, "source": "signup",
            **pending_fields(self.settings, now),
            "signup_consents": {channel: consent_record(channel, origin, now, "signup")
                                for channel in data.consents},
        }
        if data.whatsapp:
            fields["confirm.whatsapp"] = {"state": "due", "next_at": now, "attempts": 0}
        return fields

    def _code_token(self, data: SignupIn, journalist_id: str, now: datetime) -> str | None:
        if not data.whatsapp:
            return None
        return tokens.sign(self.keys[0], tokens.WHATSAPP_CODE, journalist_id,
                           now + timedelta(hours=self.settings.notifier_signup_ttl_hours))

    async def confirm_email(self, token: str, origin: Origin) -> Document:
        now = utcnow()
        try:
            claims = tokens.verify(self.keys, tokens.CONFIRM_EMAIL, token, now)
        except tokens.BadToken as exc:
            raise SignupRefused(404, "link_invalid", "Tautan konfirmasi tidak dikenal atau "
                                "sudah kedaluwarsa. Silakan daftar ulang.") from exc
        journalist = await self.repository.get(claims.subject)
        consent = _confirmed(journalist, "email", origin, now)
        confirmed = await self.repository.confirm_email(claims.subject, claims.nonce, consent)
        if confirmed is None:
            raise SignupRefused(409, "link_used", "Tautan konfirmasi ini sudah dipakai atau "
                                "digantikan tautan yang lebih baru.")
        await self.consents.lift(tokens.address_hash(confirmed["email"]))
        return confirmed

    async def confirm_whatsapp(self, token: str, code: str, origin: Origin) -> Document:
        now = utcnow()
        try:
            claims = tokens.verify(self.keys, tokens.WHATSAPP_CODE, token, now)
        except tokens.BadToken as exc:
            raise SignupRefused(404, "token_invalid", "Sesi konfirmasi WhatsApp tidak dikenal "
                                "atau kedaluwarsa. Silakan daftar ulang.") from exc
        counted = await self.repository.count_code_attempt(claims.subject,
                                                           tokens.MAX_CODE_ATTEMPTS)
        if counted is None:
            raise SignupRefused(429, "too_many_attempts", "Terlalu banyak percobaan kode. "
                                "Silakan daftar ulang untuk menerima kode baru.")
        digest = tokens.code_hash(self.keys[0], claims.subject, code)
        consent = _confirmed(counted, "whatsapp", origin, now)
        confirmed = await self.repository.confirm_whatsapp(claims.subject, digest, now, consent)
        if confirmed is None:
            raise SignupRefused(422, "code_wrong", "Kode salah atau sudah kedaluwarsa. "
                                "Periksa pesan WhatsApp Anda.")
        return confirmed

    async def ask_existing_to_confirm(self) -> int:
        """The one-off migration: journalists from before consent records are asked once."""
        asked, after = 0, None
        while ids := await self.repository.without_consent(after, 200):
            for journalist_id in ids:
                if await self.repository.ask_to_confirm(journalist_id, tokens.new_nonce(),
                                                        utcnow()):
                    asked += 1
                    await self.wake(journalist_id)
            after = ids[-1]
        return asked

    async def export(self, journalist_id: str) -> dict[str, Any] | None:
        journalist = await self.repository.get(journalist_id)
        if journalist is None:
            return None
        person = {k: v for k, v in journalist.items() if k not in PRIVATE}
        if isinstance(person.get("webhook"), dict):  # the signing key stays with us
            person["webhook"] = {k: v for k, v in person["webhook"].items() if k != "secret"}
        person["id"] = person.pop("_id")
        return {"journalist": person,
                "deliveries": await self.repository.deliveries_of(journalist_id)}

    async def erase(self, journalist_id: str) -> bool:
        """Only the suppression entries (hashes of the addresses) stay behind."""
        journalist = await self.repository.get(journalist_id)
        if journalist is None:
            return False
        for channel in ("email", "whatsapp"):
            if journalist.get(channel):
                await self.consents.suppress(tokens.address_hash(journalist[channel]), channel,
                                             "erased on request")
        await self.repository.erase(journalist_id)
        return True


def _check_consents(data: SignupIn) -> None:
    given = {"email": True, "whatsapp": bool(data.whatsapp), "telegram": bool(data.telegram)}
    missing = [c for c, present in given.items() if present and c not in data.consents]
    extra = [c for c in data.consents if not given[c]]
    if missing or extra:
        raise SignupRefused(422, "consent_required", "Setujui pernyataan persetujuan untuk "
                            "setiap saluran yang Anda isi, dan hanya untuk saluran itu.",
                            {"missing": missing, "without_address": extra})


def _confirmed(journalist: Document | None, channel: str, origin: Origin,
               now: datetime) -> dict[str, Any]:
    """The sign-up's agreement with its confirmation; an admin-added journalist agrees now."""
    agreed = ((journalist or {}).get("signup_consents") or {}).get(channel)
    record = agreed or consent_record(channel, origin, now, "confirmation")
    return {**record, "confirmed_at": now, "confirmed_from": origin.as_document()}


def _new_document(journalist_id: str, data: SignupIn, fields: dict[str, Any],
                  now: datetime) -> Document:
    document: Document = {"_id": journalist_id, "email": data.email, "opd_ids": [],
                          "categories": [], "token_nonce": domain.new_token_nonce(),
                          "created_at": now}
    confirm: dict[str, Any] = {}
    for key, value in fields.items():
        if key.startswith("confirm."):
            confirm[key.split(".", 1)[1]] = value
        else:
            document[key] = value
    document["confirm"] = confirm
    return document
