"""Correcting and taking down posts on the networks: retried with backoff until done; what the
network cannot do, or refuses, is recorded as an editor's manual action, never a silent gap."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.publisher.adapters.port import ChannelError, ChannelUnavailable, Posted
from services.publisher.channel_adapters import ChannelAdapters
from services.publisher.domain import (
    MANUAL_DELETE,
    MANUAL_EDIT,
    MAX_ATTEMPTS,
    State,
    after_failure,
)
from services.publisher.followup_repository import PENDING, FollowupRepository
from shared.envelope import utcnow
from shared.events.articles import ArticleCorrectedV1
from shared.failures import TRANSIENT
from shared.mongo import Document

log = logging.getLogger("warta.publisher")
SWEEP_BATCH = 50


@dataclass
class Followups:
    repository: FollowupRepository
    adapters: ChannelAdapters
    clock: Callable[[], datetime] = field(default=utcnow)

    async def run(self, interval: float) -> None:
        """The sweep: pending edits and deletes whose time has come. Errors wait a tick."""
        while True:
            await asyncio.sleep(interval)
            try:
                for pub_id in await self.repository.due(self.clock(), SWEEP_BATCH):
                    await self.act(pub_id)
            except Exception as exc:  # logged and retried next tick; the loop must not die
                level = logging.WARNING if isinstance(exc, TRANSIENT) else logging.ERROR
                log.log(level, "network follow-up sweep failed", exc_info=True,
                        extra={"error": repr(exc)})

    async def act(self, pub_id: str) -> None:
        """Do the publication's pending edit or delete if it is due and nobody else holds it."""
        now = self.clock()
        doc = await self.repository.claim(pub_id, now)
        if doc is None:
            return
        task: Document = doc[PENDING]
        kind, event_id = str(task["kind"]), str(task["event_id"])
        if kind == "edit" and doc["state"] == State.TAKEN_DOWN.value:
            await self.repository.done(pub_id, event_id)  # nothing left to correct
            return
        hint = (MANUAL_EDIT if kind == "edit" else MANUAL_DELETE).format(channel=doc["channel"])
        opened = await self.adapters.open(doc["channel"])
        if isinstance(opened, str):  # the channel was removed meanwhile: only by hand now
            await self.repository.done(pub_id, event_id, self._manual(doc, kind, hint, opened))
            return
        capabilities = opened.adapter.capabilities
        manual: Document | None = None
        if not (capabilities.can_edit if kind == "edit" else capabilities.can_delete):
            manual = self._manual(doc, kind, capabilities.manual_hint or hint, None)
            if kind == "delete":
                await self.repository.done(pub_id, event_id, manual)
                return  # an edit may still post a "Ralat" follow-up below
        posted = Posted(doc["external_id"], doc.get("url") or "", doc.get("extra") or {})
        try:
            if kind == "edit":
                await opened.adapter.correct(_corrected(doc), posted)
            else:
                await opened.adapter.withdraw(posted)
        except Exception as exc:  # every outcome is recorded: retried, or left to an editor
            await self._failed(doc, task, exc, hint, now)
            return
        await self.repository.done(pub_id, event_id, manual)
        log.info("network follow-up done", extra={"publication_id": pub_id, "action": kind})

    async def _failed(self, doc: Document, task: Document, exc: Exception, hint: str,
                      now: datetime) -> None:
        kind, event_id = str(task["kind"]), str(task["event_id"])
        message = exc.message if isinstance(exc, ChannelError) else (str(exc) or repr(exc))
        attempts = int(task.get("attempts", 0)) + 1
        transient = isinstance(exc, ChannelUnavailable) or not isinstance(exc, ChannelError)
        if transient and attempts < MAX_ATTEMPTS:
            retry_after = exc.retry_after if isinstance(exc, ChannelUnavailable) else None
            _, due_at = after_failure(attempts, False, now, retry_after)
            log.warning("network follow-up failed: retried later", extra={
                "publication_id": doc["_id"], "action": kind, "error": message,
                "attempts": attempts})
            await self.repository.again(doc["_id"], event_id, attempts=attempts, due_at=due_at,
                                        error=message)
            return
        log.warning("network follow-up failed: recorded for an editor", extra={
            "publication_id": doc["_id"], "action": kind, "error": message})
        await self.repository.done(doc["_id"], event_id, self._manual(doc, kind, hint, message))

    def _manual(self, doc: Document, kind: str, hint: str, error: str | None) -> Document:
        return {"action": kind, "hint": hint, "url": doc.get("url"), "error": error,
                "at": self.clock()}


def _corrected(doc: Document) -> ArticleCorrectedV1:
    """The correction as applied to the publication (its content and note are stored there)."""
    return ArticleCorrectedV1.model_validate(
        {**doc["article"], "correction_note": doc.get("correction_note") or ""})
