"""A journalist's delivery choice: each release at once, or a daily digest at a local hour."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.vocabulary import DEFAULT_ZONE, ZoneLabel


class DeliveryChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["instant", "daily"] = "instant"
    hour: int = Field(default=7, ge=0, le=23, description="Local hour of the daily digest")
    zone: ZoneLabel = DEFAULT_ZONE
