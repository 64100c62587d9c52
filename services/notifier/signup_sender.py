"""Sending confirmations: the email link and the WhatsApp code, claimed by a lease, retried.

A confirmation that is due survives a crash: it stays `due` (or `sending` with a lapsed lease)
in the journalist's document and the sweep of any replica sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from services.notifier import signup_tokens as tokens
from services.notifier.consent_texts import CONSENT_TEXTS
from services.notifier.domain import backoff
from services.notifier.emails import render_page
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.signup_handlers import CODE_TTL
from services.notifier.signup_repository import SignupRepository
from services.notifier.whatsapp_client import WhatsAppClient, WhatsAppFailed
from services.notifier.whatsapp_templates import TemplateMismatch
from shared.envelope import utcnow
from shared.mongo import Document
from shared.settings import Settings
from shared.vocabulary import DATE_AND_TIME, DEFAULT_ZONE, format_local

log = logging.getLogger("warta.notifier.signup")

LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8


class Confirmations:
    def __init__(self, settings: Settings, repository: SignupRepository, mailer: Mailer,
                 whatsapp: WhatsAppClient, backoff_base: float = 30.0) -> None:
        self.settings, self.repository = settings, repository
        self.mailer, self.whatsapp = mailer, whatsapp
        self.backoff_base = backoff_base
        self._wake = asyncio.Event()

    async def wake(self, journalist_id: str) -> None:
        """Try at once; what fails here is left due for the sweep."""
        for channel in ("email", "whatsapp"):
            await self.send(journalist_id, channel)

    async def send(self, journalist_id: str, channel: str) -> bool:
        now = utcnow()
        extra = {}
        code = tokens.new_code()
        if channel == "whatsapp":  # a new code per attempt: only its hash is stored
            extra = {"whatsapp_code": {
                "hash": tokens.code_hash(self.settings.unsubscribe_keys()[0], journalist_id,
                                         code), "expires_at": now + CODE_TTL, "attempts": 0}}
        journalist = await self.repository.claim(journalist_id, channel, now, now + LEASE, extra)
        if journalist is None:
            return False
        step = journalist["confirm"][channel]
        try:
            if channel == "email":
                await self.mailer.send(self._email(journalist))
            else:
                await self.whatsapp.send_template(journalist["whatsapp"], "kode_konfirmasi",
                                                  [code], f"confirm:{journalist_id}")
        except (SendFailed, WhatsAppFailed, TemplateMismatch) as exc:
            attempts = int(step.get("attempts", 0)) + 1
            permanent = getattr(exc, "permanent", True) or attempts >= MAX_ATTEMPTS
            log.warning("confirmation not sent", extra={
                "journalist_id": journalist_id, "channel": channel, "error": str(exc)[:300],
                "permanent": permanent})
            fields = ({"state": "failed", "error": str(exc)[:300]} if permanent else
                      {"state": "due", "error": str(exc)[:300], "next_at": utcnow()
                       + timedelta(seconds=backoff(attempts, self.backoff_base))})
            await self.repository.settle(journalist_id, channel, fields)
            return False
        await self.repository.settle(journalist_id, channel,
                                     {"state": "sent", "sent_at": utcnow(), "error": None})
        log.info("confirmation sent", extra={"journalist_id": journalist_id, "channel": channel})
        return True

    def _email(self, journalist: Document) -> EmailMessage:
        keys = self.settings.unsubscribe_keys()
        expires: datetime = journalist.get("pending_expires_at") or (
            utcnow() + timedelta(hours=self.settings.notifier_signup_ttl_hours))
        token = tokens.sign(keys[0], tokens.CONFIRM_EMAIL, journalist["_id"], expires,
                            journalist["confirm_nonce"])
        link = f"{self.settings.public_base_url.rstrip('/')}/v1/signup/confirm/{token}"
        consent = CONSENT_TEXTS["email"]
        context = {"name": journalist["name"], "outlet": journalist.get("outlet") or "-",
                   "link": link, "consent_text": consent.text,
                   "consent_version": consent.version,
                   "reconfirm": bool(journalist.get("reconfirm_asked_at")),
                   "expires": format_local(expires, DEFAULT_ZONE, DATE_AND_TIME)}
        message = EmailMessage()
        message["Subject"] = "Konfirmasi pendaftaran wartawan mitra Warta"
        message["From"] = self.settings.smtp_from
        message["To"] = formataddr((journalist["name"], journalist["email"]))
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="warta.local")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(render_page("signup/confirm_email.txt", **context))
        message.add_alternative(render_page("signup/confirm_email.html", **context),
                                subtype="html")
        return message

    async def sweep(self) -> int:
        sent = 0
        for journalist_id, channel in await self.repository.due(utcnow(), 50):
            sent += await self.send(journalist_id, channel)
        return sent

    async def run_forever(self, interval: float) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.sweep()
            except Exception as exc:  # logged; the next tick tries again
                log.warning("confirmation sweep failed", extra={"error": repr(exc)})
                await asyncio.sleep(interval)
