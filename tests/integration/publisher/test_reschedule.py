"""`article.rescheduled` moves or calls off the scheduled publications, on the real broker and
database; a redelivery changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.publisher.main import create_app
from shared.envelope import Envelope, root_event
from shared.events.schedules import ARTICLE_RESCHEDULED, ArticleRescheduledV1
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import (
    OPD,
    SCHEDULER,
    approved,
    events_for,
    publications,
)
from tests.probes import eventually, publish


def rescheduled(article_id: str, publish_at: datetime | None, version: int) -> Envelope:
    data = ArticleRescheduledV1(
        article_id=article_id, report_id=article_id, opd_id=OPD.id, editor="test-chief_editor",
        article_version=version, decided_at=datetime.now(UTC), publish_at=publish_at,
        cancelled=publish_at is None, reason=None if publish_at else "Acara batal")
    return root_event(type=ARTICLE_RESCHEDULED, version=1, source="editorial",
                      subject=article_id, data=data, correlation_id=article_id)


async def states(client: httpx.AsyncClient, settings: Settings, article_id: str
                 ) -> dict[str, Any]:
    return {p["channel"]: p for p in await publications(client, settings, article_id)}


async def test_a_moved_embargo_publishes_at_the_new_time_and_a_cancelled_one_never(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    moved, called_off = str(uuid.uuid4()), str(uuid.uuid4())
    far = datetime.now(UTC) + timedelta(hours=3)
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, approved(moved, channels=["feed"], publish_at=far),
                      approved(called_off, channels=["feed"], publish_at=far))

        async def both_scheduled() -> bool:
            a, b = await states(client, settings, moved), await states(client, settings,
                                                                         called_off)
            return [p["state"] for p in (*a.values(), *b.values())] == ["scheduled"] * 2

        await eventually(both_scheduled, "two scheduled publications")

        # Later first: an older reschedule (version 4) arriving after it changes nothing.
        later = datetime.now(UTC) + timedelta(hours=5)
        newer = rescheduled(moved, later, version=5)
        await publish(settings, newer, newer, rescheduled(moved, far, version=4))

        async def moved_later() -> dict[str, Any] | None:
            pub = (await states(client, settings, moved))["feed"]
            return pub if pub["publish_at"] and pub["publish_at"].startswith(
                later.isoformat()[:19]) else None

        pub = await eventually(moved_later, "the embargo moved five hours on")
        assert pub["state"] == "scheduled" and pub["next_attempt_at"] == pub["publish_at"]

        soon = rescheduled(moved, datetime.now(UTC) + timedelta(seconds=1), version=6)
        await publish(settings, soon, soon)
        cancel = rescheduled(called_off, None, version=5)
        await publish(settings, cancel, cancel)

        async def settled() -> bool:
            a, b = await states(client, settings, moved), await states(client, settings,
                                                                         called_off)
            return a["feed"]["state"] == "published" and b["feed"]["state"] == "cancelled"

        await eventually(settled, "the moved one published, the called off one cancelled",
                         patience=15)
        assert moved in (await client.get("/feeds/feed.json")).text
        assert called_off not in (await client.get("/feeds/feed.json")).text

    mine = await events_for(settings, called_off, 1)
    assert [e["type"] for e in mine] == ["publication.cancelled"]  # once, though redelivered
    assert mine[0]["causation_id"] == cancel.id
    assert mine[0]["data"]["reason"] == "Acara batal"
    published = [e for e in await events_for(settings, moved, 1)
                 if e["type"] == "publication.published"]
    assert len(published) == 1
