"""Channel credentials: validated by the adapter's model, sealed at rest, never returned."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.publisher.main import create_app
from services.publisher.sealing import CredentialsKeyMissing
from shared.envelope import utcnow
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from shared.topics import PUBLICATIONS
from tests.conftest import running
from tests.integration.publisher.queue_support import (
    CHANNEL,
    admin_headers,
    board,
    board_is_the_website,
    connect,
)
from tests.integration.publisher.test_publisher_flow import editor_headers
from tests.probes import collect_envelopes

__all__ = ["board", "board_is_the_website"]  # fixtures
SECRET = "good-token"  # the board's test token


async def test_credentials_are_sealed_at_rest_validated_and_never_returned(
    settings: Settings, board: str,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    async with running(create_app(settings)) as client:
        bad = await client.put(f"/v1/channels/{CHANNEL}/credentials",
                               headers=admin_headers(settings),
                               json={"fields": {"token": SECRET}})
        assert bad.status_code == 422, bad.text
        assert [d["field"] for d in bad.json()["error"]["details"]] == ["board"]
        editor = await client.put(f"/v1/channels/{CHANNEL}/credentials",
                                  headers=editor_headers(settings),
                                  json={"fields": {"token": SECRET, "board": "humas"}})
        assert editor.status_code == 403
        unknown = await client.put("/v1/channels/myspace/credentials",
                                   headers=admin_headers(settings), json={"fields": {}})
        assert unknown.status_code == 404

        view = await connect(client, settings, board)
        assert view["enabled"] and view["fields"] == ["api_base_url", "board", "token"]
        listed = await client.get("/v1/channels", headers=editor_headers(settings))
        assert SECRET not in listed.text and SECRET not in str(view)
        names = {c["name"]: c for c in listed.json()["items"]}
        assert names["feed"]["health"] == "healthy" and names["x"]["health"] == "off"
        assert names[CHANNEL]["account"] == "Papan Humas"

        mongo = MongoHandle(settings, "publisher")
        raw = await mongo.db["channels"].find_one({"_id": CHANNEL})
        assert raw is not None and SECRET not in str(raw) and "humas" not in str(raw)

        before_off = utcnow()
        off = await client.delete(f"/v1/channels/{CHANNEL}/credentials",
                                  headers=admin_headers(settings))
        assert off.status_code == 200 and off.json()["health"] == "off"
        raw = await mongo.db["channels"].find_one({"_id": CHANNEL})
        assert raw is not None and "sealed" not in raw
        # Turning off is a change of health that editors hear of, as any other.
        told = await collect_envelopes(settings.kafka_bootstrap, PUBLICATIONS, lambda e: (
            e["type"] == "channel.health_changed" and e["data"]["channel"] == CHANNEL
            and e["data"]["health"] == "off"
            and datetime.fromisoformat(e["data"]["checked_at"]) >= before_off), wanted=1)
        assert [e["data"]["reason"] for e in told] == ["dimatikan oleh test-admin"]
        check = await client.post(f"/v1/channels/{CHANNEL}/check",
                                  headers=admin_headers(settings))
        assert check.status_code == 409
        mongo.close()


def test_without_a_key_outside_development_the_publisher_refuses_to_start(
    settings: Settings,
) -> None:
    with pytest.raises(CredentialsKeyMissing, match="WARTA_PUBLISHER_CREDENTIALS_KEY"):
        create_app(settings.model_copy(update={"publisher_credentials_key": None}))


async def test_a_channel_url_that_resolves_to_a_private_address_is_never_called(
    settings: Settings, board: str,
) -> None:
    """security.md's SSRF row for admin-configured URLs: the cloud metadata address, a private
    host and (outside tests) loopback are refused before connecting; the channel says why."""
    await ensure_topics(settings.kafka_bootstrap)
    async with running(create_app(settings)) as client:
        for url in ("http://169.254.169.254", "http://10.0.0.7:8080", "http://[::ffff:10.0.0.7]"):
            view = await connect(client, settings, url)
            assert view["health"] == "unreachable", (url, view)
            assert "PrivateAddressRefused" in str(view["reason"]), (url, view)
        healthy = await connect(client, settings, board)  # loopback: allowed in tests only
        assert healthy["health"] == "healthy", healthy

    production_like = settings.model_copy(update={"env": "production"})
    assert not production_like.loopback_targets_allowed()
    async with running(create_app(production_like)) as client:
        view = await connect(client, production_like, board)
        assert view["health"] == "unreachable" and "PrivateAddressRefused" in str(view["reason"])
