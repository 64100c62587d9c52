"""Kafka subscribers of the notifier: approved articles and published publications."""

from __future__ import annotations

from services.notifier.notifications import SERVICE, Notifications
from shared import topics
from shared.consumer import subscribe
from shared.events.articles import ARTICLE_APPROVED
from shared.events.publications import PUBLICATION_PUBLISHED
from shared.kafka import EventBus

__all__ = ["SERVICE", "register"]


def register(bus: EventBus, notifications: Notifications) -> None:
    subscribe(bus, topics.ARTICLES, SERVICE, {ARTICLE_APPROVED: notifications.article_approved})
    subscribe(bus, topics.PUBLICATIONS, SERVICE, {
        PUBLICATION_PUBLISHED: notifications.publication_published,
    })
