"""OPD users' password links (ingest's `opd_user.password_reset_requested`) become emails.

One message record per event (`_id` from the event id), so a redelivered event mails nothing
twice; the own-users sender sends it like Warta's other messages to its own users.
"""

from __future__ import annotations

from collections.abc import Callable

from services.notifier.own_users_repository import OwnMessages, new_message
from shared.envelope import Envelope
from shared.events import parse_data
from shared.events.opd_users import OpdUserPasswordResetRequestedV1

RESET, WELCOME = "opd_password_reset", "opd_welcome"


class PasswordLinks:
    def __init__(self, messages: OwnMessages, wake: Callable[[], None]) -> None:
        self.messages, self.wake = messages, wake

    async def requested(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, OpdUserPasswordResetRequestedV1)
        context = {"username": data.username, "opd_name": data.opd_name, "link": data.link,
                   "valid_for": data.valid_for}
        kind = WELCOME if data.purpose == "welcome" else RESET
        document = new_message(f"{envelope.id}:opd_user", kind, to_email=data.email,
                               to_name=data.name, context=context)
        if await self.messages.create_many([document]):
            self.wake()
