"""Signed single-purpose expiring tokens, confirmation codes and the sign-up challenge (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

# Purposes: a token signed for one is refused for every other (the purpose is in the key).
CONFIRM_EMAIL = "confirm-email"
WHATSAPP_CODE = "whatsapp-code"
CHALLENGE = "challenge"
CSRF = "csrf"
TELEGRAM_BIND = "telegram-bind"
PREFERENCES = "preferences"

CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5

_NUMBERS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
            "sembilan", "sepuluh")


class BadToken(Exception):
    """Unreadable, forged, expired, or signed for another purpose."""


@dataclass(frozen=True)
class Claims:
    purpose: str
    subject: str
    nonce: str
    expires_at: datetime


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"warta-token:{purpose}".encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, purpose: str, subject: str, expires_at: datetime, nonce: str = "") -> str:
    payload = _b64(json.dumps({"s": subject, "n": nonce, "e": int(expires_at.timestamp())},
                              separators=(",", ":")).encode())
    mac = hmac.new(_key(secret, purpose), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify(keys: Sequence[str], purpose: str, token: str, now: datetime) -> Claims:
    """Any of `keys` (current first, then previous ones) may have signed it."""
    if not token or len(token) > 600 or token.count(".") != 1:
        raise BadToken("malformed")
    payload, mac = token.split(".")
    try:
        given = _unb64(mac)
        fields = json.loads(_unb64(payload))
        claims = Claims(purpose, str(fields["s"]), str(fields["n"]),
                        datetime.fromtimestamp(int(fields["e"]), UTC))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadToken("malformed") from exc
    if not any(hmac.compare_digest(given, hmac.new(
            _key(key, purpose), payload.encode(), hashlib.sha256).digest()) for key in keys):
        raise BadToken("signature")
    if claims.expires_at <= now:
        raise BadToken("expired")
    return claims


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(secret: str, journalist_id: str, code: str) -> str:
    """Keyed, so a leaked database does not give the 10^6 codes away by a lookup table."""
    message = f"warta-code:{journalist_id}:{code.strip()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def address_hash(address: str) -> str:
    """What a suppression keeps of an address after erasure: never the address itself."""
    return hashlib.sha256(address.strip().casefold().encode()).hexdigest()


# ---- the challenge: an arithmetic question in Indonesian, its answer bound to a signed token --

@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def new_challenge(secret: str, expires_at: datetime) -> Challenge:
    a, b = secrets.randbelow(10) + 1, secrets.randbelow(10) + 1
    question = f"Berapa {_NUMBERS[a]} ditambah {_NUMBERS[b]}? Jawab dengan angka."
    nonce = new_nonce()
    subject = hmac.new(secret.encode(), f"answer:{nonce}:{a + b}".encode(),
                       hashlib.sha256).hexdigest()
    return Challenge(question, sign(secret, CHALLENGE, subject, expires_at, nonce))


def challenge_nonce(keys: Sequence[str], token: str, answer: str, now: datetime) -> str:
    """The nonce of a correctly answered challenge (the caller makes it single-use)."""
    claims = verify(keys, CHALLENGE, token, now)
    cleaned = answer.strip()
    if not cleaned.isdigit() or len(cleaned) > 3:
        raise BadToken("answer")
    if not any(hmac.compare_digest(claims.subject, hmac.new(
            key.encode(), f"answer:{claims.nonce}:{int(cleaned)}".encode(),
            hashlib.sha256).hexdigest()) for key in keys):
        raise BadToken("answer")
    return claims.nonce
