"""Kafka subscribers of the notifier: approved, corrected and taken-down articles, publications."""

from __future__ import annotations

from services.notifier.handlers import SERVICE, Notifications
from shared import topics
from shared.consumer import subscribe
from shared.events.articles import ARTICLE_APPROVED, ARTICLE_CORRECTED, ARTICLE_TAKEN_DOWN
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.kafka import EventBus

__all__ = ["SERVICE", "register"]


def register(bus: EventBus, notifications: Notifications) -> None:
    subscribe(bus, topics.ARTICLES, SERVICE, {
        ARTICLE_APPROVED: notifications.article_approved,
        ARTICLE_TAKEN_DOWN: notifications.article_taken_down,
        ARTICLE_CORRECTED: notifications.article_corrected,
    })
    subscribe(bus, topics.PUBLICATIONS, SERVICE, {
        PUBLICATION_PUBLISHED: notifications.publication_published,
    })
