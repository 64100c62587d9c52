"""Editorial's subscriber of the audit stream: every service's records into the unified view."""

from __future__ import annotations

from services.editorial.audit_repository import AuditView
from shared import topics
from shared.consumer import subscribe
from shared.events.audit import AUDIT_RECORDED
from shared.kafka import EventBus

SERVICE = "editorial"


def register_audit(bus: EventBus, view: AuditView) -> None:
    subscribe(bus, topics.AUDIT, SERVICE, {AUDIT_RECORDED: view.recorded})
