"""HTTP models of the channels: their state for editors; an admin's credentials in (write-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.mongo import Document


class CredentialsIn(BaseModel):
    """The adapter's own fields, e.g. telegram: `bot_token`, `chat_id`; never returned."""

    fields: dict[str, Any] = Field(examples=[{"bot_token": "123:abc", "chat_id": "@humas"}])


class ChannelOut(BaseModel):
    name: str = Field(examples=["telegram"])
    enabled: bool = Field(description="credentials set (the feed is always on)")
    adapter: bool = Field(description="this version has an adapter for it")
    health: str = Field(examples=["healthy"],
                        description="off, unknown, healthy, needs_reconnect or unreachable")
    reason: str | None = Field(default=None, description="the network's own message")
    account: str | None = Field(default=None, description="the account the last check saw")
    checked_at: datetime | None = None
    fields: list[str] = Field(default=[], description="names of the credentials set")
    updated_at: datetime | None = None
    paused_pending: int = Field(default=0,
                                description="posts waiting while it needs reconnecting")


class ChannelListOut(BaseModel):
    items: list[ChannelOut]


def channel_out(view: Document) -> ChannelOut:
    return ChannelOut.model_validate(view)
