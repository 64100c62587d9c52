"""The pipeline benchmark's starting data, written straight into the services' fresh databases.

A benchmark's setup may write directly: 10,000 journalists and 10,000 past deliveries in the
notifier's database, so a filter that reads a whole collection shows.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import timedelta
from typing import Any

from shared.envelope import new_id, utcnow
from shared.mongo import Document, MongoHandle
from shared.settings import Settings

JOURNALISTS = 10_000
DELIVERIES = 10_000
OTHER_OPDS = 60  # the seeded journalists follow these, not the benchmark's OPD
CATEGORIES = ("pemerintahan", "kesehatan", "pendidikan", "infrastruktur", "ekonomi")
BATCH = 1000


def journalist(n: int, opd_ids: list[str], rng: random.Random) -> Document:
    nonce, now = secrets.token_urlsafe(16), utcnow()
    return {
        "_id": new_id(), "name": f"Wartawan {n}", "email": f"wartawan{n}@media{n % 97}.example",
        "whatsapp": None, "telegram": None, "opd_ids": opd_ids,
        "categories": rng.sample(CATEGORIES, rng.randint(0, 2)),
        "active": rng.random() > 0.05, "token_nonce": nonce,
        "unsubscribe_hash": hashlib.sha256(nonce.encode()).hexdigest(),
        "created_at": now - timedelta(days=rng.randint(1, 700)), "updated_at": now,
    }


def delivery(article_id: str, person: Document, rng: random.Random) -> Document:
    """A delivery of the past: sent, or given up, or cancelled by a take-down."""
    state = rng.choices(("sent", "dead", "cancelled"), (90, 5, 5))[0]
    at = utcnow() - timedelta(days=rng.randint(1, 365), seconds=rng.randint(0, 86_400))
    return {
        "_id": f"{article_id}:{person['_id']}:press_release", "article_id": article_id,
        "journalist_id": person["_id"], "recipient": person["email"],
        "recipient_name": person["name"], "channel": "email", "kind": "press_release",
        "state": state, "attempts": 1 if state != "dead" else 5,
        "error": None if state == "sent" else "seeded", "sent_at": at if state == "sent" else None,
        "next_attempt_at": None, "lease_until": None, "lease_owner": None,
        "cause": {"id": new_id(), "type": "publication.published", "version": 1,
                  "occurred_at": at, "source": "publisher", "subject": article_id,
                  "correlation_id": article_id},
        "created_at": at, "updated_at": at, "outbox": [],
    }


async def seed_notifier(settings: Settings, bench_opd: str, followers: int = 1
                        ) -> dict[str, Any]:
    """10,000 journalists following other OPDs (plus `followers` following the benchmark's,
    so each article makes that many deliveries) and 10,000 past deliveries."""
    rng = random.Random(20261201)
    others = [new_id() for _ in range(OTHER_OPDS)]
    people = [journalist(n, rng.sample(others, rng.randint(1, 4)), rng)
              for n in range(JOURNALISTS)]
    fans = [{**journalist(JOURNALISTS + n, [bench_opd], rng), "active": True, "categories": []}
            for n in range(followers)]
    deliveries = [delivery(article, people[n], rng)  # ten recipients per past article
                  for article in (new_id() for _ in range(DELIVERIES // 10))
                  for n in rng.sample(range(JOURNALISTS), 10)]
    mongo = MongoHandle(settings, "notifier")
    try:
        for name, docs in (("journalists", people + fans), ("deliveries", deliveries)):
            for start in range(0, len(docs), BATCH):
                await mongo.db[name].insert_many(docs[start:start + BATCH], ordered=False)
        counts = {name: await mongo.db[name].count_documents({})
                  for name in ("journalists", "deliveries")}
    finally:
        mongo.close()
    return {**counts, "following_bench_opd": [fan["_id"] for fan in fans]}
