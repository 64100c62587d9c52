"""Use cases: events that Warta's own users (chief editors, OPD contacts) are told about."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from services.notifier.own_users_repository import (
    OpdContacts,
    OwnMessages,
    chief_editors,
    new_message,
)
from shared.envelope import Envelope, utcnow
from shared.events import parse_data
from shared.events.articles import ArticleRejectedV1, ArticleRevisionRequestedV1
from shared.events.channels import ChannelHealthChangedV1
from shared.events.opds import OpdBehindTargetV1, OpdStateV1
from shared.events.publications import PublicationPublishedV1
from shared.mongo import Database
from shared.settings import Settings

log = logging.getLogger("warta.notifier.own_users")

HEALTH, RETURNED, REJECTED = "channel_health", "report_returned", "report_rejected"
PUBLISHED, BEHIND = "report_published", "behind_target"


class OwnUsers:
    def __init__(self, settings: Settings, db: Database, messages: OwnMessages,
                 contacts: OpdContacts, wake: Callable[[], None]) -> None:
        self.settings, self.db = settings, db
        self.messages, self.contacts, self.wake = messages, contacts, wake

    async def channel_health_changed(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ChannelHealthChangedV1)
        context = {"channel": data.channel, "health": data.health, "previous": data.previous,
                   "reason": data.reason, "account": data.account,
                   "checked_at": data.checked_at.isoformat()}
        chiefs = await chief_editors(self.db)
        if not chiefs:
            log.warning("no chief editor with an email to tell of a channel's health",
                        extra={"channel": data.channel})
        await self._create([
            new_message(f"{envelope.id}:{chief['_id']}", HEALTH, to_email=chief["email"],
                        to_name=chief.get("name"), context=context,
                        to_phone=chief.get("phone")) for chief in chiefs])

    async def revision_requested(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleRevisionRequestedV1)
        await self._to_opd(envelope, RETURNED, data.opd_id, data.report_id, data.reason)

    async def rejected(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, ArticleRejectedV1)
        await self._to_opd(envelope, REJECTED, data.opd_id, data.report_id, data.reason)

    async def _to_opd(self, envelope: Envelope, kind: str, opd_id: str, report_id: str,
                      reason: str) -> None:
        context = {"report_id": report_id, "reason": reason,
                   "decided_at": envelope.occurred_at.isoformat()}
        await self._create([new_message(f"{envelope.id}:opd", kind, to_email=None,
                                        to_name=None, context=context, opd_id=opd_id)])

    async def published(self, envelope: Envelope) -> None:
        """One message per article, gathering each channel's link for a short while."""
        data = parse_data(envelope)
        assert isinstance(data, PublicationPublishedV1)
        due = utcnow() + timedelta(seconds=self.settings.notifier_own_published_gather_seconds)
        document = new_message(
            f"published:{data.article_id}", PUBLISHED, to_email=None, to_name=None,
            opd_id=data.opd.id, due=due,
            context={"article_id": data.article_id, "headline": data.headline})
        await self.messages.gather_link(document, {"channel": data.channel, "url": data.url})
        self.wake()

    async def behind_target(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, OpdBehindTargetV1)
        context = {"name": data.name, "month": data.month, "published": data.published,
                   "submitted": data.submitted, "target": data.target,
                   "message": data.message, "timezone": data.timezone}
        # One reminder per OPD and month, however often the event comes.
        await self._create([new_message(
            f"behind:{data.reminder_id}", BEHIND, to_email=data.contact_email,
            to_name=data.contact_name, context=context, opd_id=data.opd_id,
            to_phone=data.contact_phone)])

    async def opd_state(self, envelope: Envelope) -> None:
        data = parse_data(envelope)
        assert isinstance(data, OpdStateV1)
        await self.contacts.record(data.opd_id, data.opd_version, {
            "name": data.name, "region": data.region, "timezone": data.timezone,
            "contact_name": data.contact_name,
            "contact_email": data.contact_email, "contact_phone": data.contact_phone})

    async def _create(self, documents: list[dict[str, object]]) -> None:
        if await self.messages.create_many(documents):
            self.wake()
