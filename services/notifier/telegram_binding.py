"""Binding a journalist's Telegram chat: a signed code in the bot's deep link, `/start <code>`.

Telegram allows 64 characters of [A-Za-z0-9_-] after `?start=`: the code is a random nonce
(stored on the journalist with its expiry) followed by a truncated HMAC of it, so a guessed or
altered code is refused before any database read, and a used one matches nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from services.notifier.consent_texts import CONSENT_TEXTS
from shared.envelope import utcnow
from shared.mongo import Database, Document, ReturnDocument, find_one_and_update, update_one

BIND_TTL = timedelta(days=7)
NONCE_CHARS, MAC_CHARS = 11, 22


def _mac(key: str, nonce: str) -> str:
    digest = hmac.new(key.encode(), f"warta-telegram-bind:{nonce}".encode(),
                      hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_code(key: str) -> tuple[str, str]:
    nonce = secrets.token_urlsafe(8)[:NONCE_CHARS]
    return nonce, nonce + _mac(key, nonce)


def nonce_of(keys: Sequence[str], code: str) -> str | None:
    if len(code) != NONCE_CHARS + MAC_CHARS:
        return None
    nonce, mac = code[:NONCE_CHARS], code[NONCE_CHARS:]
    ok = any(hmac.compare_digest(mac, _mac(key, nonce)) for key in keys)
    return nonce if ok else None


class TelegramBinding:
    def __init__(self, db: Database, keys: Sequence[str], bot_username: str) -> None:
        self.journalists = db["journalists"]
        self.keys, self.bot_username = list(keys), bot_username

    async def link_for(self, journalist_id: str) -> str | None:
        """A new deep link (an earlier one stops working)."""
        nonce, code = make_code(self.keys[0])
        result = await update_one(self.journalists, {"_id": journalist_id}, {"$set": {
            "telegram_bind": {"nonce": nonce, "expires_at": utcnow() + BIND_TTL}}})
        if result.matched_count == 0:
            return None
        return f"https://t.me/{self.bot_username}?start={code}"

    async def bind(self, code: str, chat_id: int, user: dict[str, Any]) -> Document | None:
        """The one conditional update that spends the code binds the chat and records consent."""
        nonce = nonce_of(self.keys, code.strip())
        if nonce is None:
            return None
        now = utcnow()
        consent = {"text_version": CONSENT_TEXTS["telegram"].version, "agreed_at": now,
                   "confirmed_at": now, "basis": "telegram /start",
                   "from": {"telegram_user_id": user.get("id"),
                            "telegram_username": user.get("username")}}
        return await find_one_and_update(self.journalists,
            {"telegram_bind.nonce": nonce, "telegram_bind.expires_at": {"$gt": now}},
            {"$set": {"telegram_chat_id": chat_id, "telegram_confirmed_at": now,
                      "consents.telegram": consent, "telegram_suppressed": False,
                      "updated_at": now},
             "$unset": {"telegram_bind": ""}}, return_document=ReturnDocument.AFTER)
