"""The audit stream: one append-only record per decision or administrative act, any service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.envelope import EventData

AUDIT_RECORDED = "audit.recorded"


class AuditRecordedV1(EventData):
    """Who did what, when, from where, and the version before and after."""

    record_id: str = Field(description="also the event's subject; ids sort by time")
    service: str = Field(examples=["editorial"])
    action: str = Field(examples=["article.approve", "account.create", "key.rotate"])
    actor: str = Field(description="username, 'opd:<id>' for an API key, or 'anonymous'")
    actor_role: str | None = None
    at: datetime
    client_ip: str = Field(description="as the front door reported it, trusted only from it")
    user_agent: str = ""
    target_type: str = Field(examples=["article", "account", "opd", "publication"])
    target_id: str
    article_id: str | None = Field(default=None, description="for the unified view's filter")
    version_before: int | None = None
    version_after: int | None = None
    outcome: str = Field(default="ok", examples=["ok", "refused"])
    details: dict[str, str] = {}
