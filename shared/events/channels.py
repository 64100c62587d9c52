"""Events about the publisher's channels themselves (not one publication): health changes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData

CHANNEL_HEALTH_CHANGED = "channel.health_changed"


class ChannelHealthChangedV1(EventData):
    """A channel became healthy, needs reconnecting (its queue paused) or unreachable."""

    channel: str = Field(examples=["telegram"])
    health: str = Field(examples=["needs_reconnect"],
                        description="healthy, needs_reconnect, unreachable or unknown")
    previous: str = Field(examples=["healthy"])
    reason: str | None = Field(default=None, description="the network's own message")
    account: str | None = Field(default=None, description="the account the check saw")
    checked_at: datetime
