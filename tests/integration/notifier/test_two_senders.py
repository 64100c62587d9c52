"""Two notifier instances on one database and one consumer group: each email goes out once."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from services.notifier import domain
from services.notifier.main import create_app
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.notifier.conftest import (
    add,
    approved,
    deliveries,
    new_article_id,
    private_mailpit,
    published,
)
from tests.probes import eventually, publish

# A short lease (production: minutes) and an SMTP server slower than it: the send outlives the
# lease unless its holder renews it, and then the other instance would send the email again.
LEASE = timedelta(seconds=3)
SMTP_DATA_SECONDS = 8.0


async def test_a_send_slower_than_the_lease_is_not_repeated_by_the_other_instance(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(domain, "SENDING_LEASE", LEASE)
    with private_mailpit(tmp_path / "mail") as (mailpit, smtp_port, pid):
        settings = settings.model_copy(update={"smtp_port": smtp_port})
        await ensure_topics(settings.kafka_bootstrap)
        article_id = new_article_id()
        async with running(create_app(settings, backoff_base=0.5, sweep_seconds=0.3)) as one, \
                running(create_app(settings, backoff_base=0.5, sweep_seconds=0.3)) as two:
            await add(one, settings, "Andi", "andi@media.example")
            # A paused Mailpit is a slow server: the kernel accepts the connection, the
            # answers come once it resumes, SMTP_DATA_SECONDS later.
            os.kill(pid, signal.SIGSTOP)
            resume = asyncio.get_running_loop().call_later(
                SMTP_DATA_SECONDS, os.kill, pid, signal.SIGCONT)
            await publish(settings, approved(article_id), published(article_id))

            async def sent() -> list[dict[str, object]] | None:
                items = await deliveries(two, settings, article_id)
                return items if items and items[0]["state"] == "sent" else None

            [delivery] = await eventually(sent, "the press release sent")
            # Any second send began before this one settled: let it land, if there is one.
            await asyncio.sleep(SMTP_DATA_SECONDS)
            [after] = await deliveries(one, settings, article_id)
            resume.cancel()
        [mail] = await mailpit.messages()
    assert (delivery["attempts"], after["attempts"], after["state"]) == (1, 1, "sent")
    assert "andi@media.example" in str(mail["To"])

