"""After quiescence: what was lost, duplicated or moved backwards, from the topics and the inbox.

A redelivered copy of one event (same id) is allowed (consumers dedupe by id); two different
events for one state change (two `report.submitted` for a report, two `article.approved` for an
article, two `publication.published` for a publication) are duplicates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from shared import topics
from shared.mongo import MongoHandle
from tests.faults.broker import Record, read_all
from tests.faults.harness import Stack
from tests.faults.ledger import Ledger

ONCE_PER_ARTICLE = ("article.claimed", "article.approved")


@dataclass
class Verdict:
    lost: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    duplicate_posts: int = 0
    duplicate_emails: int = 0
    emails: int = 0
    dead_letters: int = 0
    backwards: list[str] = field(default_factory=list)  # articles whose versions went back

    @property
    def lost_total(self) -> int:
        return sum(self.lost.values())

    @property
    def duplicates_total(self) -> int:
        return sum(self.duplicates.values())


def distinct(records: list[Record], keep: set[str], by: str = "correlation_id"
             ) -> dict[str, list[dict[str, Any]]]:
    """Envelopes whose `by` is in `keep`, grouped by it, first copy of each event id only."""
    seen: set[str] = set()
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        event = record.envelope()
        if event is None or event["id"] in seen:
            continue
        owner = event.get(by) if by == "correlation_id" else event["data"].get(by)
        if owner in keep:
            seen.add(event["id"])
            grouped[str(owner)].append(event)
    return grouped


async def judge(stack: Stack, ledger: Ledger, opd_id: str) -> Verdict:
    bootstrap, verdict = stack.settings.kafka_bootstrap, Verdict()
    acked, approved = set(ledger.reports.values()), set(ledger.approved)

    reports = await read_all(bootstrap, topics.REPORTS)
    submitted: dict[str, set[str]] = defaultdict(set)
    for record in reports:
        event = record.envelope()
        if event and event["type"] == "report.submitted" and \
                event["data"].get("opd", {}).get("id") == opd_id:
            submitted[event["data"]["report_id"]].add(event["id"])
    verdict.lost["reports"] = len(acked - set(submitted))
    verdict.duplicates["reports"] = sum(len(ids) - 1 for ids in submitted.values())
    verdict.duplicates["untold_reports"] = len(set(submitted) - acked)

    articles = distinct(await read_all(bootstrap, topics.ARTICLES), acked)
    for kind in ONCE_PER_ARTICLE:
        verdict.duplicates[kind] = sum(
            max(0, sum(e["type"] == kind for e in events) - 1) for events in articles.values())
    for article_id, events in articles.items():
        versions = [e["data"]["article_version"] for e in events]
        if versions != sorted(set(versions)):
            verdict.backwards.append(f"{article_id}: {versions}")
    announced = {a for a, events in articles.items()
                 if any(e["type"] == "article.approved" for e in events)}
    verdict.lost["approvals"] = len(approved - announced)

    published = distinct(await read_all(bootstrap, topics.PUBLICATIONS), approved)
    posts: Counter[str] = Counter(e["data"]["publication_id"] for events in published.values()
                                  for e in events if e["type"] == "publication.published")
    verdict.duplicate_posts = sum(n - 1 for n in posts.values())
    verdict.lost["publications"] = len(approved - set(published))

    delivery_ids = await _deliveries(stack, approved)
    received = stack.receiver.per_delivery(delivery_ids)
    verdict.emails = sum(received.values())
    verdict.duplicate_emails = sum(n - 1 for n in received.values())
    verdict.lost["emails"] = len(delivery_ids - set(received))

    for stream in topics.STREAMS:
        for record in await read_all(bootstrap, topics.dead_letter(stream)):
            event = record.envelope()
            if event and event.get("correlation_id") in acked:
                verdict.dead_letters += 1
    return verdict


async def _deliveries(stack: Stack, articles: set[str]) -> set[str]:
    mongo = MongoHandle(stack.settings, "notifier")
    try:
        cursor = mongo.db["deliveries"].find({"article_id": {"$in": list(articles)}}, {"_id": 1})
        return {str(doc["_id"]) async for doc in cursor}
    finally:
        mongo.close()
