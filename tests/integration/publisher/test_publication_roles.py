"""Retry and cancel of publications are a chief editor's, on the real broker and database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.publisher.main import create_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    chief_headers,
    editor_headers,
    events_for,
    publications,
)
from tests.probes import eventually, publish


async def test_an_editor_may_neither_retry_nor_cancel_a_chief_editor_may(
    settings: Settings,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    dead_id, later_id = str(uuid.uuid4()), str(uuid.uuid4())
    embargo = datetime.now(UTC) + timedelta(hours=2)
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await publish(settings, approved(dead_id, channels=["telegram"]),  # not configured
                      approved(later_id, channels=["feed"], publish_at=embargo))

        async def settled() -> list[dict[str, Any]]:
            dead = await publications(client, settings, dead_id)
            later = await publications(client, settings, later_id)
            ok = [p["state"] for p in dead] == ["dead"] and [
                p["state"] for p in later] == ["scheduled"]
            return dead + later if ok else []

        await eventually(settled, "a dead and a scheduled publication")
        dead_pub, later_pub = f"{dead_id}:telegram", f"{later_id}:feed"

        for action, pub in (("retry", dead_pub), ("cancel", later_pub)):
            refused = await client.post(f"/v1/publications/{pub}/{action}",
                                        headers=editor_headers(settings))
            assert refused.status_code == 403, refused.text
            error = refused.json()["error"]
            assert error["code"] == "forbidden" and "chief_editor" in error["message"]
            assert error["details"]["required_role"] == "chief_editor"

        retried = await client.post(f"/v1/publications/{dead_pub}/retry",
                                    headers=chief_headers(settings))
        assert retried.status_code == 200, retried.text

        body = {"reason": "Acara ditunda"}
        cancelled = await client.post(f"/v1/publications/{later_pub}/cancel", json=body,
                                      headers=chief_headers(settings))
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["state"] == "cancelled"
        again = await client.post(f"/v1/publications/{later_pub}/cancel",
                                  headers=chief_headers(settings))
        assert again.status_code == 200 and again.json()["state"] == "cancelled"  # idempotent

        not_now = await client.post(f"/v1/publications/{dead_pub}/cancel",
                                    headers=chief_headers(settings))
        assert not_now.status_code == 409, not_now.text
        assert not_now.json()["error"]["details"] == {"state": "dead"}
        unknown = await client.post("/v1/publications/nope:feed/cancel",
                                    headers=chief_headers(settings))
        assert unknown.status_code == 404

    mine = await events_for(settings, later_id, 1)
    cancels = [e for e in mine if e["type"] == "publication.cancelled"]
    assert len(cancels) == 1, mine  # the repeated cancel announced nothing more
    assert cancels[0]["data"]["cancelled_by"] == "test-chief_editor"
    assert cancels[0]["data"]["reason"] == "Acara ditunda"
    assert cancels[0]["correlation_id"] == later_id
