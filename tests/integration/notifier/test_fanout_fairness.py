"""No head-of-line blocking: claims go by priority, then round-robin across articles (on the
real database: the order is the claim query's, whatever the sender's speed)."""

from __future__ import annotations

from datetime import timedelta

from services.notifier.domain import Kind
from services.notifier.handlers import Notifications
from services.notifier.repository import (
    ArticleRepository,
    DeliveryRepository,
    JournalistRepository,
)
from shared.envelope import utcnow
from shared.mongo import Document, MongoHandle
from shared.settings import Settings
from tests.integration.notifier.conftest import (
    OPD,
    add_active,
    approved,
    new_article_id,
    published,
)

OTHER = OPD.model_copy(update={"id": "opd-other", "name": "Dinas Lain"})


async def test_a_single_subscriber_and_a_correction_are_claimed_before_a_large_fan_out(
    settings: Settings,
) -> None:
    for n in range(120):
        await add_active(settings, f"W{n}", f"w{n}@mitra.example", opd_ids=[OPD.id])
    await add_active(settings, "Tunggal", "tunggal@mitra.example", opd_ids=[OTHER.id])
    big, small = new_article_id(), new_article_id()
    mongo = MongoHandle(settings, "notifier")
    try:
        deliveries = DeliveryRepository(mongo.db)
        await deliveries.ensure_indexes()
        handlers = Notifications(JournalistRepository(mongo.db), ArticleRepository(mongo.db),
                                 deliveries, wake=lambda: None)
        await handlers.article_approved(approved(big))
        await handlers.publication_published(published(big))
        first = await _claim(deliveries, "first", 20)  # the big fan-out is under way
        assert {d["article_id"] for d in first} == {big}
        await handlers.article_approved(approved(small, opd=OTHER))
        await handlers.publication_published(published(small))
        # An urgent notice (a "Ralat") for one of the big article's recipients.
        record = {**first[0], "_id": f"{first[0]['_id']}:correction", "kind": "correction",
                  "priority": 0, "slot": 0, "state": "pending", "lease_owner": None,
                  "next_attempt_at": utcnow()}
        assert await deliveries.create(record)
        second = await _claim(deliveries, "second", 5)
    finally:
        mongo.close()
    assert second[0]["kind"] == Kind.CORRECTION.value
    assert small in [d["article_id"] for d in second[:2]]
    assert len(second) == 5


async def _claim(deliveries: DeliveryRepository, owner: str, limit: int) -> list[Document]:
    now = utcnow()
    claimed = await deliveries.claim_batch(owner, now, now + timedelta(seconds=30), limit)
    order = {"correction": 0}
    return sorted(claimed, key=lambda d: (order.get(d["kind"], 1), d["slot"]))
