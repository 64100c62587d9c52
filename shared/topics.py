"""One registry of topics: streams per aggregate, keyed by aggregate id, dead letters derived."""

from __future__ import annotations

REPORTS = "warta.reports"
ARTICLES = "warta.articles"
PUBLICATIONS = "warta.publications"
NOTIFICATIONS = "warta.notifications"
# Account states keyed by username; every event is the whole state, so compaction keeps each
# account's latest and a new service instance can rebuild its projection from the start.
ACCOUNTS = "warta.accounts"
# OPD states keyed by OPD id (whole state per event, so compacted) and OPD reminders.
OPDS = "warta.opds"
# Audit records of every service, keyed by record id; editorial keeps the unified view.
AUDIT = "warta.audit"
# OPD user accounts' password links, keyed by username. Kept four days only: each event carries
# a single-use secret for the notifier to mail, useless once its link expires (30 min to 72 h);
# the day beyond the longest link lets a notifier that was down for a day still mail it.
OPD_USERS = "warta.opd_users"
LINK_RETENTION_MS = 4 * 24 * 3600 * 1000

STREAMS: tuple[str, ...] = (REPORTS, ARTICLES, PUBLICATIONS, NOTIFICATIONS, ACCOUNTS, OPDS,
                            AUDIT, OPD_USERS)
# Topic settings beyond the broker's defaults, applied when the topic is created.
CONFIGS: dict[str, dict[str, str]] = {ACCOUNTS: {"cleanup.policy": "compact"},
                                      OPD_USERS: {"retention.ms": str(LINK_RETENTION_MS)},
                                      f"{OPD_USERS}.dlq": {"retention.ms": str(LINK_RETENTION_MS)}}
PARTITIONS = 3


def dead_letter(topic: str) -> str:
    return f"{topic}.dlq"


def all_topics() -> tuple[str, ...]:
    return STREAMS + tuple(dead_letter(t) for t in STREAMS)
