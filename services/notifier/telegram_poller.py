"""One getUpdates poller across every notifier replica, held by a lease in the database.

The lease document (`telegram_poller` in `leases`) names its holder, its expiry and the update
offset. A replica polls only right after renewing the lease, and each call's long-poll and HTTP
timeouts end well before that renewed expiry, so a replica that stalls loses the lease only
after its last call is over: two getUpdates never run at once. The offset moves forward only by
the holder's conditional update, after the updates were handled (handling is idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import timedelta
from typing import Any

from services.notifier.telegram_binding import TelegramBinding
from services.notifier.telegram_client import TelegramClient, TelegramFailed
from shared.envelope import utcnow
from shared.mongo import (
    Database,
    DuplicateKeyError,
    ReturnDocument,
    find_one_and_update,
    update_one,
)

log = logging.getLogger("warta.notifier.telegram")

LEASE_ID = "telegram_poller"
LONG_POLL = 2  # seconds Telegram holds a getUpdates open when nothing is pending
BOUND = "Akun Telegram Anda terhubung dengan Warta. Siaran pers akan dikirim ke sini."
UNKNOWN = "Tautan tidak dikenal atau kedaluwarsa. Minta tautan baru kepada Diskominfo."


class TelegramPoller:
    def __init__(self, db: Database, client: TelegramClient, binding: TelegramBinding,
                 lease_seconds: float) -> None:
        self.leases, self.polls = db["leases"], db["telegram_polls"]
        self.client, self.binding = client, binding
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = secrets.token_hex(8)
        # A call ends (long poll + transfer) within a third of the lease.
        self.call_timeout = max(1.0, lease_seconds / 3)
        self.long_poll = min(LONG_POLL, int(self.call_timeout) - 1) if lease_seconds >= 6 else 0

    async def hold(self) -> int | None:
        """Take or renew the lease; the stored offset when it is ours, else None."""
        now = utcnow()
        update = {"$set": {"owner": self.owner, "until": now + self.lease}}
        doc = await find_one_and_update(self.leases,
            {"_id": LEASE_ID, "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
            update, return_document=ReturnDocument.AFTER)
        if doc is None:
            try:
                await self.leases.insert_one({"_id": LEASE_ID, "owner": self.owner,
                                              "until": now + self.lease, "offset": 0})
            except DuplicateKeyError:
                return None  # another replica holds it
            return 0
        return int(doc.get("offset", 0))

    async def poll_once(self) -> int:
        """One getUpdates if the lease is ours; returns the updates handled."""
        offset = await self.hold()
        if offset is None:
            return 0
        started = utcnow()
        try:
            updates = await self.client.call("getUpdates", {
                "offset": offset, "timeout": self.long_poll, "allowed_updates": ["message"]},
                http_timeout=self.call_timeout)
        finally:
            await self.polls.insert_one({"owner": self.owner, "started": started,
                                         "ended": utcnow(), "expires_at": utcnow()
                                         + timedelta(hours=1)})
        for update in updates or []:
            await self.handle(update)
            await update_one(self.leases, {"_id": LEASE_ID, "owner": self.owner},
                             {"$max": {"offset": int(update["update_id"]) + 1}})
        return len(updates or [])

    async def handle(self, update: dict[str, Any]) -> None:
        message = update.get("message") or {}
        text, chat = str(message.get("text") or ""), message.get("chat") or {}
        if chat.get("type") != "private" or not text.startswith("/start"):
            return
        code = text.split(" ", 1)[1] if " " in text else ""
        bound = await self.binding.bind(code, int(chat["id"]), message.get("from") or {})
        log.info("telegram /start", extra={"bound": bound is not None})
        if bound is None and await self.binding.journalists.find_one(
                {"telegram_chat_id": int(chat["id"])}, {"_id": 1}):
            return  # a redelivered update of a chat bound already: answered the first time
        reply = BOUND if bound is not None else UNKNOWN
        try:
            await self.client.call("sendMessage", {"chat_id": chat["id"], "text": reply},
                                   http_timeout=self.call_timeout)
        except TelegramFailed as exc:  # the binding stands; the reply is a courtesy
            log.warning("telegram reply failed", extra={"error": str(exc)})

    async def run_forever(self) -> None:
        pause = self.lease.total_seconds() / 3
        while True:
            try:
                if await self.poll_once() == 0 and self.long_poll == 0:
                    await asyncio.sleep(min(pause, 1.0))
            except TelegramFailed as exc:
                log.warning("telegram poll failed", extra={"error": str(exc)})
                await asyncio.sleep(exc.retry_after or pause)
            except Exception as exc:  # the database or the network: retried, never a hot loop
                log.warning("telegram poller error", extra={"error": repr(exc)})
                await asyncio.sleep(pause)
            else:
                held = await self.leases.find_one({"_id": LEASE_ID, "owner": self.owner},
                                                  {"_id": 1})
                if held is None:  # another replica polls: look again when its lease may end
                    await asyncio.sleep(pause)
