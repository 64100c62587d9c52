"""Ingest's, the notifier's and the publisher's acts reach editorial's unified audit view."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from services.ingest.main import create_app as ingest_app
from services.notifier.main import create_app as notifier_app
from services.publisher.main import create_app as publisher_app
from shared.kafka import ensure_topics
from shared.settings import DEV_CREDENTIALS_KEY
from tests.accounts import record_accounts
from tests.conftest import Infra, running
from tests.integration.audit.support import CHIEF, awaited
from tests.integration.editorial.desk_support import DESK, Desk, desk
from tests.integration.ingest.support import report
from tests.integration.publisher.test_publisher_flow import SCHEDULER, approved, publications
from tests.probes import eventually, publish

CLIENT = "198.51.100.23"


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with desk(real_infra, publisher_credentials_key=DEV_CREDENTIALS_KEY) as running_desk:
        asyncio.run(record_accounts(running_desk.settings, {**DESK, "redaktur1": "editor"}))
        yield running_desk


def proxied(office: Desk, who: str) -> dict[str, str]:
    """As the front door (loopback, the ASGI client's peer) forwards a request."""
    return office.headers(who, **{"X-Real-IP": CLIENT, "User-Agent": "curl/8.5"})


def test_ingest_records_opd_key_and_report_acts(office: Desk) -> None:
    async def act() -> str:
        async with running(ingest_app(office.settings)) as client:
            created = await client.post("/v1/admin/opds", headers=proxied(office, "test-admin"),
                                        json={"code": "DISAUDIT", "name": "Dinas Audit",
                                              "region": "Kota Makassar", "timezone": "WITA"})
            assert created.status_code == 201, created.text
            rotated = await client.post("/v1/admin/opds/DISAUDIT/keys",
                                        headers=proxied(office, "test-admin"))
            assert rotated.status_code == 201, rotated.text
            key = rotated.json()["api_key"]
            sent = await client.post("/v1/reports", json=report(), headers={
                "Authorization": f"Bearer {key}", "X-Forwarded-For": CLIENT})
            assert sent.status_code == 201, sent.text
            return str(sent.json()["id"])

    report_id = asyncio.run(act())
    created = awaited(office, "opd.create", actor="test-admin")
    assert created["service"] == "ingest" and created["client_ip"] == CLIENT
    assert created["details"]["code"] == "DISAUDIT" and created["version_after"] == 1
    rotated = awaited(office, "key.rotate", actor="test-admin")
    assert rotated["user_agent"] == "curl/8.5"
    submitted = awaited(office, "report.submit", article_id=report_id)
    assert submitted["actor"] == "opd:DISAUDIT" and submitted["version_after"] == 1
    assert submitted["client_ip"] == CLIENT


def test_notifier_records_journalist_acts(office: Desk) -> None:
    async def act() -> None:
        async with running(notifier_app(office.settings)) as client:
            added = await client.post("/v1/journalists", headers=proxied(office, "test-admin"),
                                      json={"name": "Andi", "email": "andi@audit.example"})
            assert added.status_code == 201, added.text

    asyncio.run(act())
    record = awaited(office, "journalist.create", actor="test-admin")
    assert record["service"] == "notifier" and record["client_ip"] == CLIENT


def test_publisher_records_channel_and_publication_acts(office: Desk) -> None:
    settings = office.settings
    article = str(uuid.uuid4())

    async def act() -> None:
        await ensure_topics(settings.kafka_bootstrap)
        async with running(publisher_app(settings, scheduler_seconds=SCHEDULER)) as client:
            off = await client.delete("/v1/channels/telegram/credentials",
                                      headers=proxied(office, "test-admin"))
            assert off.status_code == 200, off.text
            await publish(settings, approved(article, channels=["telegram"]))  # not configured

            async def dead() -> list[object]:
                found = await publications(client, settings, article)
                return found if [p["state"] for p in found] == ["dead"] else []

            await eventually(dead, "a dead publication")
            retried = await client.post(f"/v1/publications/{article}:telegram/retry",
                                        headers=proxied(office, CHIEF))
            assert retried.status_code == 200, retried.text

    asyncio.run(act())
    record = awaited(office, "publication.retry", article_id=article)
    assert record["actor"] == CHIEF and record["target_id"] == f"{article}:telegram"
    assert record["service"] == "publisher" and record["client_ip"] == CLIENT
    assert datetime.fromisoformat(record["at"]) > datetime.now(UTC) - timedelta(minutes=10)
    channel = awaited(office, "channel.credentials_delete", actor="test-admin")
    assert channel["target_id"] == "telegram" and channel["client_ip"] == CLIENT
