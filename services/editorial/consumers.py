"""Kafka subscribers of editorial: the report stream (intake) and the publication stream."""

from __future__ import annotations

from services.editorial.intake import Intake
from shared import topics
from shared.consumer import subscribe
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.events.reports import REPORT_AMENDED, REPORT_SUBMITTED, REPORT_WITHDRAWN
from shared.kafka import EventBus

SERVICE = "editorial"


def register(bus: EventBus, intake: Intake) -> None:
    subscribe(bus, topics.REPORTS, SERVICE, {
        REPORT_SUBMITTED: intake.report_submitted,
        REPORT_AMENDED: intake.report_amended,
        REPORT_WITHDRAWN: intake.report_withdrawn,
    })
    subscribe(bus, topics.PUBLICATIONS, SERVICE, {
        PUBLICATION_PUBLISHED: intake.publication_published,
    })
