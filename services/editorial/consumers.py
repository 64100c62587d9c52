"""Kafka subscribers of editorial: the report stream (intake), the publication stream (links,
and each channel's health) and the OPD stream (the OPD directory)."""

from __future__ import annotations

from services.editorial.channel_health_repository import ChannelHealthView
from services.editorial.intake import Intake
from services.editorial.opd_projection import OpdDirectory
from shared import topics
from shared.consumer import EventHandler, subscribe
from shared.events.channels import CHANNEL_HEALTH_CHANGED
from shared.events.opds import OPD_CHANGED, OPD_REGISTERED
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.events.reports import (
    REPORT_AMEND_REQUESTED,
    REPORT_AMENDED,
    REPORT_SUBMITTED,
    REPORT_WITHDRAW_REQUESTED,
    REPORT_WITHDRAWN,
)
from shared.kafka import EventBus

SERVICE = "editorial"


def register(bus: EventBus, intake: Intake, opds: OpdDirectory | None = None,
             channel_health: ChannelHealthView | None = None) -> None:
    subscribe(bus, topics.REPORTS, SERVICE, {
        REPORT_SUBMITTED: intake.report_submitted,
        REPORT_AMEND_REQUESTED: intake.amend_requested,
        REPORT_WITHDRAW_REQUESTED: intake.withdraw_requested,
        # from an ingest of before the requests: the same requests
        REPORT_AMENDED: intake.amend_requested,
        REPORT_WITHDRAWN: intake.withdraw_requested,
    })
    # Health on the same group: a channel's changes share its key, so they come in order; the
    # projection keeps the newest check anyway (a replay, a change keyed otherwise).
    publications: dict[str, EventHandler] = {PUBLICATION_PUBLISHED: intake.publication_published}
    if channel_health is not None:
        publications[CHANNEL_HEALTH_CHANGED] = channel_health.apply
    subscribe(bus, topics.PUBLICATIONS, SERVICE, publications)
    if opds is not None:  # every OPD, for compliance (reminders on this topic are skipped)
        subscribe(bus, topics.OPDS, SERVICE, {OPD_REGISTERED: opds.apply, OPD_CHANGED: opds.apply})
