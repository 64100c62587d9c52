"""Outgoing mail over a pool of persistent SMTP connections (aiosmtplib), and readiness probes.

`WARTA_NOTIFIER_SMTP_CONNECTIONS` connections are opened on first use and kept: one message
is one MAIL/RCPT/DATA exchange on an open connection, not a new TCP + EHLO session. A failed
exchange is reset (RSET) by aiosmtplib; a broken connection is dropped and reopened on the
next send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

import aiosmtplib

from services.notifier.domain import smtp_code_is_permanent
from services.notifier.emails import flatten
from shared.envelope import utcnow
from shared.settings import Settings

log = logging.getLogger("warta.notifier.mailer")

SEND_TIMEOUT = 15.0
PROBE_TIMEOUT = 2.0


class SendFailed(Exception):
    """One attempt failed; `permanent` (SMTP 5xx) means retrying this recipient will not help."""

    def __init__(self, error: str, *, permanent: bool) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent


class Mailer:
    def __init__(self, settings: Settings, connections: int | None = None) -> None:
        self._settings = settings
        self.size = connections or settings.notifier_smtp_connections
        self._idle: asyncio.Queue[aiosmtplib.SMTP] | None = None
        self.last_probe: dict[str, Any] = {"reachable": False, "error": "not checked yet"}

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls, use_tls=False, timeout=SEND_TIMEOUT)

    def _pool(self) -> asyncio.Queue[aiosmtplib.SMTP]:
        if self._idle is None:  # made inside the running loop
            self._idle = asyncio.Queue()
            for _ in range(self.size):
                self._idle.put_nowait(self._new_client())
        return self._idle

    async def send(self, message: EmailMessage) -> str:
        """Send a built message as is (its headers never re-folded); the server's answer."""
        sender = parseaddr(str(message["From"]))[1]
        recipients = [address for _, address in getaddresses([str(message["To"])])]
        return await self.send_raw(sender, recipients, flatten(message))

    async def send_raw(self, sender: str, recipients: list[str], raw: bytes) -> str:
        pool = self._pool()
        client = await pool.get()
        try:
            if not client.is_connected:
                await client.connect()
            _, response = await client.sendmail(sender, recipients, raw)
            return str(response)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(smtp_code_is_permanent(c) for c in codes)
            detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise SendFailed(f"recipient refused: {detail}"[:500], permanent=permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"SMTP {exc.code}: {exc.message}"[:500],
                             permanent=smtp_code_is_permanent(exc.code)) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            client = self._new_client()  # a fresh one: the old state is unknown
            raise SendFailed(f"SMTP unavailable: {exc!r}"[:500], permanent=False) from exc
        finally:
            pool.put_nowait(client)

    async def close(self) -> None:
        if self._idle is None:
            return
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client.is_connected:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(PROBE_TIMEOUT):
                        await client.quit()

    async def probe(self) -> dict[str, Any]:
        """Connect + NOOP with a short timeout; reports, never raises.

        Reported as `reachable`, not `ok`: with SMTP down the notifier still takes events and
        queues deliveries for retry, so it stays ready; the detail says why mail is late.
        """
        s = self._settings
        checked_at: datetime = utcnow()
        client = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, timeout=PROBE_TIMEOUT,
                                 start_tls=False, use_tls=False)
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await client.connect()
            async with asyncio.timeout(PROBE_TIMEOUT):
                await client.noop()
            result: dict[str, Any] = {"reachable": True, "checked_at": checked_at.isoformat()}
        except Exception as exc:  # readiness reports; it never raises
            result = {"reachable": False, "error": type(exc).__name__,
                      "checked_at": checked_at.isoformat()}
        finally:
            if client.is_connected:
                try:
                    async with asyncio.timeout(PROBE_TIMEOUT):
                        await client.quit()
                except Exception:
                    client.close()
        self.last_probe = result
        return result

    async def probe_forever(self, interval: float = 15.0) -> None:
        """Keeps `last_probe` fresh for /readyz (whose details hook is synchronous)."""
        while True:
            await self.probe()
            await asyncio.sleep(interval)
