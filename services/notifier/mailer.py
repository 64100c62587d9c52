"""Outgoing mail over SMTP (aiosmtplib): send one message, or probe the server for readiness."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from services.notifier.domain import smtp_code_is_permanent
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
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.last_probe: dict[str, Any] = {"reachable": False, "error": "not checked yet"}

    def _connection(self) -> dict[str, Any]:
        s = self._settings
        return {
            "hostname": s.smtp_host, "port": s.smtp_port, "username": s.smtp_username,
            "password": s.smtp_password.get_secret_value() if s.smtp_password else None,
            "start_tls": s.smtp_starttls, "use_tls": False,
        }

    async def send(self, message: EmailMessage) -> None:
        try:
            _, response = await aiosmtplib.send(message, timeout=SEND_TIMEOUT,
                                                **self._connection())
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(smtp_code_is_permanent(c) for c in codes)
            detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise SendFailed(f"recipient refused: {detail}"[:500], permanent=permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(f"SMTP {exc.code}: {exc.message}"[:500],
                             permanent=smtp_code_is_permanent(exc.code)) from exc
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP unavailable: {exc!r}"[:500], permanent=False) from exc
        log.info("email sent", extra={"message_id": message["Message-ID"], "smtp": response})

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
            await asyncio.wait_for(client.connect(), PROBE_TIMEOUT)
            await asyncio.wait_for(client.noop(), PROBE_TIMEOUT)
            result: dict[str, Any] = {"reachable": True, "checked_at": checked_at.isoformat()}
        except Exception as exc:  # readiness reports; it never raises
            result = {"reachable": False, "error": type(exc).__name__,
                      "checked_at": checked_at.isoformat()}
        finally:
            if client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), PROBE_TIMEOUT)
                except Exception:
                    client.close()
        self.last_probe = result
        return result

    async def probe_forever(self, interval: float = 15.0) -> None:
        """Keeps `last_probe` fresh for /readyz (whose details hook is synchronous)."""
        while True:
            await self.probe()
            await asyncio.sleep(interval)
