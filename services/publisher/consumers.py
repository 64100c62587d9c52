"""Kafka subscribers of the publisher: the article stream."""

from __future__ import annotations

from services.publisher.handlers import Publishing
from services.publisher.scheduling import Scheduling
from shared import topics
from shared.consumer import subscribe
from shared.events.articles import ARTICLE_APPROVED, ARTICLE_CORRECTED, ARTICLE_TAKEN_DOWN
from shared.events.schedules import ARTICLE_RESCHEDULED
from shared.kafka import EventBus

SERVICE = "publisher"


def register(bus: EventBus, publishing: Publishing, scheduling: Scheduling) -> None:
    subscribe(bus, topics.ARTICLES, SERVICE, {
        ARTICLE_APPROVED: publishing.article_approved,
        ARTICLE_CORRECTED: publishing.article_corrected,
        ARTICLE_TAKEN_DOWN: publishing.article_taken_down,
        ARTICLE_RESCHEDULED: scheduling.article_rescheduled,
    })
