"""The DM bot's admin route (a journalist's deep link) and its wiring: poller, sender, index."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.notifier.channel_health import ChannelHealth
from services.notifier.telegram_binding import TelegramBinding
from services.notifier.telegram_client import TelegramClient
from services.notifier.telegram_poller import TelegramPoller
from services.notifier.telegram_sender import TelegramSender
from shared.auth import Principal, require_role
from shared.errors import ApiError
from shared.mongo import ASCENDING, Database, IndexModel
from shared.openapi import editor_jwt, route_errors
from shared.runtime import ServiceRuntime
from shared.settings import Settings


@dataclass
class TelegramPart:
    router: APIRouter
    sender: TelegramSender
    poller: TelegramPoller

    async def ensure_indexes(self) -> None:
        await self.poller.polls.create_indexes([IndexModel([("expires_at", ASCENDING)],
                                                           expireAfterSeconds=0)])


def build_telegram(runtime: ServiceRuntime, db: Database, settings: Settings,
                   health: ChannelHealth) -> TelegramPart:
    client = TelegramClient(settings)
    binding = TelegramBinding(db, settings.unsubscribe_keys(), client.username)
    poller = TelegramPoller(db, client, binding, settings.notifier_telegram_lease_seconds)
    if client.configured:
        runtime.background(poller.run_forever)
    router = APIRouter(prefix="/v1/journalists", tags=["notifier"])
    admin = Annotated[Principal, Depends(require_role(settings, "admin"))]

    @router.post("/{journalist_id}/telegram-link", dependencies=[editor_jwt("admin")],
                 responses=route_errors(404, role="admin"))
    async def telegram_link(journalist_id: Annotated[str, Path(max_length=64)],
                            _: admin) -> dict[str, str]:
        """A deep link for the journalist to open: `/start <code>` binds their chat."""
        link = await binding.link_for(journalist_id)
        if link is None:
            raise ApiError(404, "not_found", f"Tidak ada wartawan {journalist_id}.")
        return {"link": link}

    return TelegramPart(router, TelegramSender(client, db, health, settings), poller)
