"""A real SMTP server on loopback that a fault test can make defer (4xx) or refuse (5xx)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from warta_cli.mailsink import read_mailbox


class _Handler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.deferring = False  # every recipient answered 451 while set
        self.refused: set[str] = set()  # these recipients answered 550, for good
        self.deferred: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        # Called once, in the server's thread, right after the next message is stored (before
        # the client reads its 250): the moment between "sent" and "recorded as sent".
        self.after_accept: Callable[[], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refused:
            self.refusals[address] += 1
            return "550 5.1.1 mailbox unavailable"
        if self.deferring:
            self.deferred[address] += 1
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        (self.directory / f"{uuid.uuid4().hex}.eml").write_bytes(envelope.original_content)
        hook, self.after_accept = self.after_accept, None
        if hook is not None:
            hook()
        return "250 Message accepted for delivery"


class Receiver:
    """Thread-based (aiosmtpd's controller), so it never blocks the test's event loop."""

    def __init__(self, directory: Path, port: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.port = directory, port
        self.handler = _Handler(directory)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        return read_mailbox(self.directory)

    def per_delivery(self, delivery_ids: set[str]) -> Counter[str]:
        """How many emails arrived for each of these deliveries (by the X-Warta-Delivery
        header the notifier sets), so a duplicate shows as a count of 2."""
        seen: Counter[str] = Counter()
        for message in self.messages():
            delivery = str(message.get("X-Warta-Delivery", ""))
            if delivery in delivery_ids:
                seen[delivery] += 1
        return seen
