"""One registry of topics: streams per aggregate, keyed by aggregate id, dead letters derived."""

from __future__ import annotations

REPORTS = "warta.reports"
ARTICLES = "warta.articles"
PUBLICATIONS = "warta.publications"
NOTIFICATIONS = "warta.notifications"

STREAMS: tuple[str, ...] = (REPORTS, ARTICLES, PUBLICATIONS, NOTIFICATIONS)
PARTITIONS = 3


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"


def all_topics() -> tuple[str, ...]:
    return STREAMS + tuple(dead_letter(t) for t in STREAMS)
