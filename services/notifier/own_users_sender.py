"""Sending the messages to Warta's own users: claimed one by one under a lease, retried; by
email, and by WhatsApp where the recipient has a number (a copy record of its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from services.notifier import domain
from services.notifier.channel_attempts import ChannelFailed
from services.notifier.mailer import Mailer, SendFailed
from services.notifier.own_users_mail import compose, view
from services.notifier.own_users_repository import OpdContacts, OwnMessages
from services.notifier.own_users_whatsapp import (
    WHATSAPP,
    StaffWhatsApp,
    staff_number,
    template_for,
    twin,
)
from shared.envelope import utcnow
from shared.mongo import Document
from shared.retry import backoff_delays
from shared.settings import Settings

log = logging.getLogger("warta.notifier.own_users")

LEASE = timedelta(seconds=30)


class OwnUsersSender:
    def __init__(self, settings: Settings, messages: OwnMessages, contacts: OpdContacts,
                 mailer: Mailer, backoff_base: float = domain.DEFAULT_BACKOFF_BASE, *,
                 whatsapp: StaffWhatsApp | None = None) -> None:
        self.settings, self.messages, self.contacts = settings, messages, contacts
        self.mailer, self.backoff_base, self.whatsapp = mailer, backoff_base, whatsapp
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def send_one(self) -> bool:
        """Claim the most urgent due message and send it; False: nothing was due."""
        owner, now = secrets.token_hex(8), utcnow()
        record = await self.messages.claim(owner, now, now + LEASE)
        if record is None:
            return False
        to_email, to_name, timezone, phone = await self._recipient(record)
        base = self.settings.public_base_url.rstrip("/")
        shown = view(record["kind"], record["context"], timezone=timezone,
                     console_url=f"{base}/")
        if record.get("channel") == WHATSAPP:
            await self._whatsapp(record, owner, phone, shown)
            return True
        if (phone and self.whatsapp is not None and self.whatsapp.configured
                and template_for(record["kind"], shown) is not None
                and await self.messages.create_many([twin(record, phone)])):
            self.wake()  # its WhatsApp copy: created once, sent on its own
        if not to_email:  # the OPD may be registered later: retried, then given up
            await self._failed(record, owner, "no contact email known for the OPD", False)
            return True
        message = compose(record["_id"], record["kind"], shown,
                          sender=self.settings.smtp_from, to_email=to_email, to_name=to_name,
                          now=utcnow(), ics=record.get("attachment_ics"))
        try:
            answer = await self.mailer.send(message)
        except SendFailed as exc:
            await self._failed(record, owner, exc.error, exc.permanent)
            return True
        spent = {"context.link": None} if "link" in record["context"] else {}  # a password link
        await self.messages.settle(record["_id"], owner, {
            "state": domain.DeliveryState.SENT.value, "sent_at": utcnow(), "answer": answer,
            "sent_to": to_email, "error": None, "next_attempt_at": None, **spent})
        return True

    async def _recipient(self, record: Document
                         ) -> tuple[str | None, str | None, str, str | None]:
        """Email, name, time zone and WhatsApp number (E.164) of the message's recipient:
        an OPD's contact is read when the message is sent (the OPD may be known later)."""
        to_email, to_name = record.get("to_email"), record.get("to_name")
        phone = record.get("to_phone")
        timezone = self.settings.editorial_timezone
        if record.get("opd_id"):
            contact = await self.contacts.get(record["opd_id"]) or {}
            to_email = to_email or contact.get("contact_email")
            to_name = to_name or contact.get("contact_name")
            phone = phone or contact.get("contact_phone")
            timezone = contact.get("timezone") or record["context"].get("timezone") or timezone
        return to_email, to_name, timezone, staff_number(phone)

    async def _whatsapp(self, record: Document, owner: str, phone: str | None,
                        shown: dict[str, Any]) -> None:
        if self.whatsapp is None or not phone:
            await self._failed(record, owner, "no usable WhatsApp number or channel", True)
            return
        try:
            sent = await self.whatsapp.send(record, phone, shown)
        except ChannelFailed as exc:
            await self._failed(record, owner, exc.error, exc.permanent, exc.retry_after)
            return
        await self.messages.settle(record["_id"], owner, {
            "state": domain.DeliveryState.SENT.value, "sent_at": utcnow(), "answer": sent.answer,
            "provider_id": sent.provider_id, "sent_to": phone, "error": None,
            "next_attempt_at": None})

    async def _failed(self, record: Document, owner: str, error: str, permanent: bool,
                      retry_after: float | None = None) -> None:
        now = utcnow()
        outcome = domain.after_failure(int(record.get("attempts", 0)) + 1, permanent, now,
                                       self.backoff_base)
        due = outcome.next_attempt_at
        if due is not None and retry_after is not None:  # the network asked for a pause
            due = max(due, now + timedelta(seconds=retry_after))
        log.warning("message to an own user not sent", extra={
            "message_id": record["_id"], "state": outcome.state.value, "error": error})
        await self.messages.settle(record["_id"], owner, {
            "state": outcome.state.value, "error": error, "next_attempt_at": due})

    async def run_forever(self, interval: float) -> None:
        """Woken by new messages, otherwise every `interval` (retries, gathered links)."""
        delays = backoff_delays(wait_initial=max(interval, 0.5), wait_max=60.0)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()
            self._wake.clear()
            try:
                while await self.send_one():
                    pass
            except Exception as exc:  # the database is away: logged, tried again later
                pause = next(delays)
                log.warning("own-user messages sweep failed", extra={"error": repr(exc),
                                                                     "pause_s": pause})
                await asyncio.sleep(pause)
                continue
            delays = backoff_delays(wait_initial=max(interval, 0.5), wait_max=60.0)
