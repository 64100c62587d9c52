"""Editorial HTTP route of channel health (the desk's banner) and the approval's warnings.

No `from __future__ import annotations`: FastAPI resolves the dependency aliases at runtime.
"""

import logging
from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.editorial import channel_health_rules as rules
from services.editorial.channel_health_repository import ChannelHealthView
from services.editorial.schemas import ArticleOut
from shared.auth import require_role
from shared.failures import TRANSIENT
from shared.openapi import editor_jwt, route_errors
from shared.settings import Settings

log = logging.getLogger("warta.editorial.channel_health")


class ChannelHealthOut(BaseModel):
    channel: str = Field(examples=["telegram"])
    name: str = Field(examples=["Telegram"])
    health: str = Field(examples=["needs_reconnect"],
                        description="healthy, needs_reconnect, unreachable, unknown (or off)")
    reason: str | None = Field(default=None, description="the network's own message")
    account: str | None = None
    checked_at: datetime
    unhealthy: bool = Field(description="the desk should hear about it")
    message: str | None = Field(default=None, description="what it means, for the desk")


class ChannelHealthListOut(BaseModel):
    items: list[ChannelHealthOut] = Field(description="every channel the publisher reported")
    unhealthy: list[ChannelHealthOut] = Field(description="those the desk must hear about")


class ChannelWarningOut(BaseModel):
    channel: str
    health: str
    reason: str | None = None
    message: str = Field(examples=["Kanal Telegram perlu dihubungkan ulang (Unauthorized); "
                                   "kiriman menunggu dan terbit sekali setelah admin "
                                   "menghubungkannya ulang."])


class ApprovalOut(ArticleOut):
    warnings: list[ChannelWarningOut] = Field(
        default=[], description="chosen channels that are unhealthy: approved all the same, "
                                "the publisher sends once the channel is fixed")


async def approval_out(view: ChannelHealthView | None, article: ArticleOut) -> ApprovalOut:
    """The approved article, and a warning per chosen channel the publisher reports unhealthy.
    The approval is already recorded: a failed look-up must not answer as if it were not."""
    try:
        states = await view.of(article.channels) if view else {}
    except TRANSIENT as exc:
        log.warning("channel health unknown at approval", extra={"error": repr(exc)})
        states = {}
    found = rules.warnings(article.channels, states)
    return ApprovalOut.model_validate({**article.model_dump(),
                                       "warnings": [asdict(w) for w in found]})


def health_out(doc: dict[str, object]) -> ChannelHealthOut:
    channel, health = str(doc["_id"]), str(doc.get("health"))
    reason = str(doc["reason"]) if doc.get("reason") else None
    bad = rules.unhealthy(health)
    return ChannelHealthOut.model_validate({
        **doc, "channel": channel, "name": rules.NAMES.get(channel, channel), "reason": reason,
        "unhealthy": bad, "message": rules.describe(channel, health, reason) if bad else None})


def channel_health_router(settings: Settings, view: ChannelHealthView) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["editorial"])
    desk = [Depends(require_role(settings, "editor")), editor_jwt("editor")]

    @router.get("/channel-health", response_model=ChannelHealthListOut, dependencies=desk,
                responses=route_errors(role="editor"))
    async def channel_health() -> ChannelHealthListOut:
        """Each channel's last health as the publisher reported it (`channel.health_changed`);
        `unhealthy` lists those an approval would warn about."""
        items = sorted((health_out(d) for d in await view.all()),
                       key=lambda c: rules.order(c.channel))
        return ChannelHealthListOut(items=items, unhealthy=[c for c in items if c.unhealthy])

    return router
