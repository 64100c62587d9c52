"""Kafka subscribers of ingest: the article and publication streams feed the status projection."""

from __future__ import annotations

from services.ingest.projection import StatusProjection
from shared import topics
from shared.consumer import subscribe
from shared.events import articles
from shared.events.opd_requests import ARTICLE_REQUEST_DECIDED
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.events.schedules import ARTICLE_RESCHEDULED
from shared.kafka import EventBus

SERVICE = "ingest"


def register(bus: EventBus, projection: StatusProjection) -> None:
    decided = projection.article_decided
    subscribe(bus, topics.ARTICLES, SERVICE, {
        articles.ARTICLE_CLAIMED: decided,
        articles.ARTICLE_REVISION_REQUESTED: decided,
        articles.ARTICLE_REJECTED: decided,
        articles.ARTICLE_APPROVED: decided,
        articles.ARTICLE_CORRECTED: decided,
        articles.ARTICLE_TAKEN_DOWN: decided,
        ARTICLE_REQUEST_DECIDED: projection.request_decided,
        ARTICLE_RESCHEDULED: projection.article_rescheduled,
    })
    subscribe(bus, topics.PUBLICATIONS, SERVICE, {
        PUBLICATION_PUBLISHED: projection.publication_published,
    })
