"""Retention: consent records of withdrawn journalists, delivery logs and unconfirmed sign-ups
older than their period at the job's moment are deleted, younger ones kept; suppression
entries and active consent are never deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.mongo import Document, MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import auth

CONSENT = {"text_version": "2026-01", "at": datetime(2020, 1, 1, tzinfo=UTC), "ip": "10.0.0.1"}


def delivery(key: str, state: str, created_at: datetime) -> Document:
    return {"_id": key, "article_id": "retention-test", "journalist_id": "j", "state": state,
            "kind": "press_release", "channel": "email", "created_at": created_at,
            "next_attempt_at": None, "log": [], "outbox": []}


def journalist(key: str, *, active: bool, unsubscribed_at: datetime | None) -> Document:
    return {"_id": key, "name": key, "email": f"{key}@media.example", "active": active,
            "status": "active", "unsubscribed_at": unsubscribed_at,
            "consents": {"email": CONSENT}, "signup_consents": {"email": CONSENT}}


async def test_records_past_their_period_are_deleted_and_suppressions_kept(
    settings: Settings,
) -> None:
    settings = settings.model_copy(update={"notifier_retention_delivery_days": 30,
                                           "notifier_retention_consent_days": 60})
    await ensure_topics(settings.kafka_bootstrap)
    at = datetime.now(UTC) + timedelta(days=10)
    tag = uuid.uuid4().hex[:8]
    ids = {name: f"{name}-{tag}" for name in (
        "old_sent", "young_sent", "old_pending", "old_withdrawn", "young_withdrawn",
        "old_active", "expired_signup", "live_signup", "suppressed")}
    mongo = MongoHandle(settings, "notifier")
    db = mongo.db
    try:
        await db["deliveries"].insert_many([
            delivery(ids["old_sent"], "sent", at - timedelta(days=31)),
            delivery(ids["young_sent"], "sent", at - timedelta(days=29)),
            delivery(ids["old_pending"], "pending", at - timedelta(days=400))])
        await db["journalists"].insert_many([
            journalist(ids["old_withdrawn"], active=False,
                       unsubscribed_at=at - timedelta(days=61)),
            journalist(ids["young_withdrawn"], active=False,
                       unsubscribed_at=at - timedelta(days=59)),
            journalist(ids["old_active"], active=True, unsubscribed_at=None),
            {"_id": ids["expired_signup"], "status": "pending", "active": False,
             "email": f"{ids['expired_signup']}@media.example",
             "pending_expires_at": at - timedelta(hours=1)},
            {"_id": ids["live_signup"], "status": "pending", "active": False,
             "email": f"{ids['live_signup']}@media.example",
             "pending_expires_at": at + timedelta(hours=1)}])
        await db["suppressions"].insert_one({"_id": ids["suppressed"], "channel": "email",
                                             "reason": "erased on request",
                                             "at": at - timedelta(days=5000)})
        async with running(create_app(settings)) as client:
            editor = await client.post("/v1/admin/jobs/retention",
                                       headers=auth(settings, "editor"))
            assert editor.status_code == 403
            ran = await client.post("/v1/admin/jobs/retention", headers=auth(settings, "admin"),
                                    params={"at": at.isoformat()})
            assert ran.status_code == 200, ran.text
            assert ran.json()["deliveries"] >= 1 and ran.json()["consents"] >= 1

        async def exists(collection: str, name: str) -> bool:
            return await db[collection].find_one({"_id": ids[name]}) is not None

        assert not await exists("deliveries", "old_sent")
        assert await exists("deliveries", "young_sent")
        assert await exists("deliveries", "old_pending")  # not finished: never deleted
        old = await db["journalists"].find_one({"_id": ids["old_withdrawn"]})
        assert old is not None and "consents" not in old and "signup_consents" not in old
        young = await db["journalists"].find_one({"_id": ids["young_withdrawn"]})
        assert young is not None and young["consents"] == {"email": CONSENT}
        active = await db["journalists"].find_one({"_id": ids["old_active"]})
        assert active is not None and active["consents"] == {"email": CONSENT}
        assert not await exists("journalists", "expired_signup")
        assert await exists("journalists", "live_signup")
        assert await exists("suppressions", "suppressed")
    finally:
        await db["journalists"].delete_many({"_id": {"$in": list(ids.values())}})
        await db["deliveries"].delete_many({"_id": {"$in": list(ids.values())}})
        await db["suppressions"].delete_many({"_id": ids["suppressed"]})
        mongo.close()
