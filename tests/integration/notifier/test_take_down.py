"""A take-down stops what the notifier has not sent yet: real broker, database and SMTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.notifier.domain import backoff
from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add,
    approved,
    deliveries,
    mail_about,
    new_article_id,
    published,
    taken_down,
)
from tests.probes import eventually, publish
from warta_cli.mailpit import Mailpit

BACKOFF_BASE = 1.0  # retries after 1, 2, 4, 8 s: the take-down lands while one is pending


async def test_a_press_release_still_retrying_is_cancelled_by_a_take_down_and_never_sent(
    mail_settings: Settings, mailbox: Mailpit,
) -> None:
    settings = mail_settings
    await ensure_topics(settings.kafka_bootstrap)
    article_id, control_id = new_article_id(), new_article_id()
    await mailbox.chaos(recipient=451)  # every recipient: "try again later"
    async with running(create_app(settings, backoff_base=BACKOFF_BASE,
                                  sweep_seconds=0.3)) as client:
        await add(client, settings, "Andi", "andi@media.example")
        await publish(settings, approved(article_id), published(article_id))

        async def retrying() -> dict[str, object] | None:
            items = await deliveries(client, settings, article_id)
            return items[0] if items and items[0]["state"] == "failed" else None

        failing = await eventually(retrying, "a delivery failing with 451")
        assert "451" in str(failing["error"])
        await publish(settings, taken_down(article_id))

        async def cancelled() -> dict[str, object] | None:
            items = await deliveries(client, settings, article_id)
            return items[0] if items and items[0]["state"] == "cancelled" else None

        stopped = await eventually(cancelled, "the delivery cancelled by the take-down")
        assert stopped["sent_at"] is None and stopped["next_attempt_at"] is None

        # The server takes mail again; another article shows the notifier sends meanwhile.
        await mailbox.chaos()
        await publish(settings, approved(control_id, headline="Pasar murah"),
                      published(control_id, headline="Pasar murah"))

        async def control_sent() -> bool:
            items = await deliveries(client, settings, control_id)
            return bool(items) and items[0]["state"] == "sent"

        await eventually(control_sent, "the other article's press release")
        # Past the moment the cancelled delivery would have been retried, and a few sweeps:
        # its last failure was before the cancellation, its retry one backoff after that.
        retry_due = datetime.fromisoformat(str(stopped["updated_at"])) + timedelta(
            seconds=backoff(int(str(stopped["attempts"])), BACKOFF_BASE))
        await asyncio.sleep(max(0.0, (retry_due - datetime.now(UTC)).total_seconds()))
        await asyncio.sleep(1.5)
        [after] = await deliveries(client, settings, article_id)
        sent = await mail_about(mailbox, client, settings, article_id, control_id)
    assert (after["state"], after["attempts"], after["sent_at"]) == (
        "cancelled", stopped["attempts"], None)
    assert [str(m["Subject"]) for m in sent] == ["[Siaran Pers] Pasar murah"]
