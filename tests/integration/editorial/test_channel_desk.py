"""What the desk sees of the channels: each channel's health from the publisher's real
`channel.health_changed` events on Kafka (newest check wins), the warnings at approval, and
the copy-ready WhatsApp Channel text."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Infra
from tests.integration.editorial.channel_desk_support import (
    SITE,
    changed,
    office_desk,
    produce,
)
from tests.integration.editorial.desk_support import Desk, photo


@pytest.fixture(scope="module")
def office(real_infra: Infra) -> Iterator[Desk]:
    with office_desk(real_infra) as running:
        yield running


def health_of(office: Desk, channel: str) -> dict[str, Any] | None:
    answer = office.call("test-editor", "GET", "/v1/channel-health")
    assert answer.status_code == 200, answer.text
    return next((c for c in answer.json()["items"] if c["channel"] == channel), None)


async def test_the_desk_sees_each_channels_newest_health_and_never_an_older_one(
    office: Desk,
) -> None:
    channel = f"uji-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    await produce(office, changed(channel, "needs_reconnect", now, "Token kedaluwarsa"))
    shown = health_of(office, channel)
    assert shown is not None and shown["health"] == "needs_reconnect", shown
    assert shown["unhealthy"] and "Token kedaluwarsa" in shown["message"]
    assert shown["account"] == "@humas_bot"
    listed = office.call("test-admin", "GET", "/v1/channel-health").json()
    assert channel in [c["channel"] for c in listed["unhealthy"]]

    # An older check arriving late (a replay, another producer's lag) changes nothing...
    await produce(office, changed(channel, "healthy", now - timedelta(minutes=5)))
    after = health_of(office, channel)
    assert after is not None and after["health"] == "needs_reconnect", after
    # ...and the same event delivered again neither; a newer check does.
    await produce(office, changed(channel, "healthy", now + timedelta(minutes=5)))
    healed = health_of(office, channel)
    assert healed is not None and (healed["health"], healed["unhealthy"]) == ("healthy", False)
    assert healed["message"] is None


def test_only_the_desk_reads_channel_health(office: Desk) -> None:
    anonymous = httpx.get(f"{office.url}/v1/channel-health", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"]


def test_approval_with_a_channel_needing_reconnect_succeeds_with_a_warning(
    office: Desk,
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)  # newer than any other test's telegram check
    asyncio.run(produce(office, changed("telegram", "needs_reconnect", later, "Unauthorized")))
    article = office.seed()
    path = f"/v1/articles/{article}"
    assert office.call("test-editor", "POST", f"{path}/claim").status_code == 200
    assert office.call("test-editor", "POST", f"{path}/ready").status_code == 200
    approved = office.call("test-chief_editor", "POST", f"{path}/approve",
                           json={"channels": ["website", "telegram"]})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["channels"] == ["website", "telegram"]
    assert [(w["channel"], w["health"], w["reason"]) for w in body["warnings"]] == [
        ("telegram", "needs_reconnect", "Unauthorized")]
    assert body["warnings"][0]["message"].startswith(
        "Kanal Telegram perlu dihubungkan ulang (Unauthorized)")

    other = office.seed()
    office.call("test-editor", "POST", f"/v1/articles/{other}/claim")
    office.call("test-editor", "POST", f"/v1/articles/{other}/ready")
    plain = office.call("test-chief_editor", "POST", f"/v1/articles/{other}/approve",
                        json={"channels": ["website"]})
    assert plain.status_code == 200, plain.text
    assert plain.json()["warnings"] == []


def test_the_whatsapp_channel_text_and_full_size_photos_are_ready_to_copy(office: Desk) -> None:
    first, second = photo(1), photo(2, "image/png")
    article = office.seed(
        headline="Uji *coba* jalur sepeda", summary="Dinas Perhubungan menguji jalur sepeda.",
        tags=["sepeda", "kota makassar"], attachments=[
            {**first, "caption": "Pesepeda di Losari", "credit": "Humas Dishub",
             "alt_text": "Dua pesepeda"}, second,
            {"id": "dok-1", "url": "http://127.0.0.1:8000/files/dok-1",
             "content_type": "application/pdf", "size": 10, "sha256": "0" * 64}])
    answer = office.call("test-editor", "GET", f"/v1/articles/{article}/whatsapp-channel")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    link = f"{SITE}/berita/{article}"
    assert body["text"] == (f"*Uji coba jalur sepeda*\n\nDinas Perhubungan menguji jalur "
                            f"sepeda.\n\n{link}\n\n#Sepeda #KotaMakassar")
    assert body["link"] == link
    assert body["images"] == [
        {"url": first["url"], "caption": "Pesepeda di Losari (Foto: Humas Dishub)",
         "alt_text": "Dua pesepeda"},
        {"url": second["url"], "caption": None, "alt_text": None}]
    missing = office.call("test-editor", "GET", "/v1/articles/tidak-ada/whatsapp-channel")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    anonymous = httpx.get(f"{office.url}/v1/articles/{article}/whatsapp-channel", timeout=10)
    assert anonymous.status_code == 401
