"""Audit plumbing: who, from where, and one append-only record per act, relayed as an event.

Design ("2xx means durable"): each service appends its records to its own `audit` collection,
one document per record inserted with the `audit.recorded` event already in its outbox
(shared.outbox), so the record and its event are one write; the relay publishes it to
`warta.audit` (fast path, then the sweep on any replica) and editorial keeps the unified view.
Call sites record after the state change and before answering, so a 2xx means both are stored.
Records are never updated except for the outbox's own `$pull`: the collection is append-only.
The one gap left: a process that dies between the state write and the record's insert has
changed state without a record, and its client saw no 2xx (and will retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from shared import topics
from shared.envelope import new_id, root_event, utcnow
from shared.events.audit import AUDIT_RECORDED, AuditRecordedV1
from shared.mongo import ASCENDING, IndexModel
from shared.outbox import outbox_field
from shared.runtime import ServiceRuntime

COLLECTION = "audit_records"  # editorial's unified view is "audit"


@dataclass(frozen=True)
class AuditContext:
    """The acting party of one request."""

    actor: str
    role: str | None
    client_ip: str
    user_agent: str


def trusted_set(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def client_address(request: Request, trusted: frozenset[str]) -> str:
    """The peer, unless the peer is our proxy: then the right-most X-Forwarded-For hop that is
    not a proxy of ours, else X-Real-IP. An untrusted peer's headers are ignored (spoofable)."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted:
        return peer[:64]
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    forwarded = next((h for h in reversed(hops) if h and h not in trusted), None)
    real = request.headers.get("x-real-ip", "").strip()
    return (forwarded or real or peer)[:64]


class AuditLog:
    """One service's append-only audit records, each inserted with its event."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.service = runtime.service
        self.collection = runtime.mongo.db[COLLECTION]
        self._relay = runtime.relay(self.collection, topics.AUDIT)
        self.trusted = trusted_set(runtime.settings.trusted_proxies)

    async def ensure_indexes(self) -> None:
        await self.collection.create_indexes([IndexModel([("at", ASCENDING)], name="at")])

    def context(self, request: Request, actor: str, role: str | None = None) -> AuditContext:
        return AuditContext(actor=actor, role=role, client_ip=client_address(request, self.trusted),
                            user_agent=request.headers.get("user-agent", "")[:300])

    async def record(self, ctx: AuditContext, action: str, target_type: str, target_id: str, *,
                     article_id: str | None = None, before: int | None = None,
                     after: int | None = None, outcome: str = "ok",
                     details: dict[str, Any] | None = None) -> str:
        record_id = new_id()
        data = AuditRecordedV1(
            record_id=record_id, service=self.service, action=action, actor=ctx.actor,
            actor_role=ctx.role, at=utcnow(), client_ip=ctx.client_ip, user_agent=ctx.user_agent,
            target_type=target_type, target_id=str(target_id), article_id=article_id,
            version_before=before, version_after=after, outcome=outcome,
            details={k: str(v) for k, v in (details or {}).items()})
        event = root_event(type=AUDIT_RECORDED, version=1, source=self.service,
                           subject=record_id, data=data,
                           correlation_id=article_id or str(target_id))
        await self.collection.insert_one({"_id": record_id, **data.model_dump(),
                                          "outbox": outbox_field([event])})
        await self._relay.relay_document(record_id)
        return record_id


def install_audit(app: FastAPI, log: AuditLog) -> None:
    app.state.audit = log


async def record_act(request: Request, actor: str, role: str | None, action: str, *,
                     target_type: str, target_id: str, article_id: str | None = None,
                     before: int | None = None, after: int | None = None,
                     outcome: str = "ok", details: dict[str, Any] | None = None) -> str:
    """The one-line call site: record this request's act on the app's audit log."""
    log: AuditLog = request.app.state.audit
    return await log.record(log.context(request, actor, role), action, target_type, target_id,
                            article_id=article_id, before=before, after=after, outcome=outcome,
                            details=details)


__all__ = ["AuditContext", "AuditLog", "client_address", "install_audit",
           "record_act"]
