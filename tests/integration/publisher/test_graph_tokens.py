"""Long-lived Facebook and Instagram tokens renewed by the real publisher against the Graph
contract server (own process): before expiry, sealed at rest, used by the next post; a renewal
refused with 190 marks the channel needs_reconnect; a fresh token is left alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.publisher.main import create_app
from services.publisher.sealing import sealer, unseal
from shared.kafka import ensure_topics
from shared.mongo import MongoHandle
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.graph_support import Sandbox
from tests.integration.publisher.queue_support import admin_headers
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    editor_headers,
    publications,
)
from tests.probes import eventually, publish

DAY = 86_400.0
REFRESH = "/refresh_access_token"
EXCHANGE = "/oauth/access_token"
ROUND = 0.5  # WARTA_PUBLISHER_HEALTH_INTERVAL here: the leased round renews, admins do not


def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"publisher_health_interval": ROUND})


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def put(client: httpx.AsyncClient, settings: Settings, name: str,
              fields: dict[str, Any]) -> dict[str, Any]:
    answer = await client.put(f"/v1/channels/{name}/credentials",
                              headers=admin_headers(settings), json={"fields": fields})
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


async def check(client: httpx.AsyncClient, settings: Settings, name: str) -> dict[str, Any]:
    answer = await client.post(f"/v1/channels/{name}/check", headers=admin_headers(settings))
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()
    return view


async def document(settings: Settings, name: str) -> dict[str, Any] | None:
    mongo = MongoHandle(settings, "publisher")
    try:
        found: dict[str, Any] | None = await mongo.db["channels"].find_one({"_id": name})
    finally:
        mongo.close()
    return found


async def stored(settings: Settings, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The channel document as the database holds it, and its credentials unsealed."""
    raw = await document(settings, name)
    assert raw is not None
    return raw, unseal(sealer(settings), raw["sealed"])


async def renewed(settings: Settings, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Once the leased round has saved renewed credentials."""
    async def saved() -> dict[str, Any] | None:
        raw = await document(settings, name)
        return raw if raw and raw.get("rotated_at") else None

    await eventually(saved, f"the {name} token renewed")
    return await stored(settings, name)


async def another_round(settings: Settings, name: str) -> dict[str, Any]:
    """The channel checked again by the leased round after this point."""
    first = (await stored(settings, name))[0]["checked_at"]

    async def later() -> dict[str, Any] | None:
        raw = await document(settings, name)
        return raw if raw and raw["checked_at"] > first else None

    found: dict[str, Any] = await eventually(later, f"another health round for {name}")
    return found


def facebook_fields(sandbox: Sandbox, account: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"page_id": account["page_id"], "page_token": account["page_token"],
            "api_base_url": sandbox.api, **more}


def instagram_fields(sandbox: Sandbox, account: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"user_id": account["ig_user_id"], "token": account["ig_token"],
            "api_base_url": sandbox.api, **more}


async def test_a_page_token_near_expiry_is_renewed_sealed_and_the_next_post_uses_it(
    settings: Settings, sandbox: Sandbox, caplog: pytest.LogCaptureFixture,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    account = await sandbox.account()
    page_id = account["page_id"]
    await sandbox.lifetime(account["user_token"], expires_in=2 * DAY, age_seconds=58 * DAY)
    earlier = await sandbox.calls(EXCHANGE, "GET")  # the sandbox is the session's: a delta
    async with running(create_app(fast(settings), scheduler_seconds=SCHEDULER)) as client:
        view = await put(client, settings, "facebook", facebook_fields(
            sandbox, account, app_id=account["app_id"], app_secret=account["app_secret"],
            user_token=account["user_token"], token_expires_at=in_days(2)))
        assert view["health"] == "healthy", view

        raw, fields = await renewed(settings, "facebook")
        new_user = (await sandbox.tokens("user", page_id))[-1]
        new_page = (await sandbox.tokens("page", page_id))[-1]
        assert new_user != account["user_token"] and new_page != account["page_token"]
        assert (fields["user_token"], fields["page_token"]) == (new_user, new_page)
        expires = datetime.fromisoformat(fields["token_expires_at"])
        assert expires > datetime.now(UTC) + timedelta(days=59)
        secrets = (account["app_secret"], account["user_token"], account["page_token"],
                   new_user, new_page)
        assert not [s for s in secrets if s in str(raw)]  # sealed, never in clear
        assert raw["version"] == 2 and raw["rotated_at"] is not None
        assert await sandbox.calls(EXCHANGE, "GET") == earlier + 1

        # The old tokens die: the post can only go out with the renewed Page token.
        await sandbox.token(account["page_token"], "expire")
        await sandbox.token(account["user_token"], "expire")
        article_id = str(uuid.uuid4())
        await publish(settings, approved(article_id, channels=["facebook"]))

        async def published() -> dict[str, Any] | None:
            items = await publications(client, settings, article_id)
            return items[0] if items and items[0]["state"] == "published" else None

        done = await eventually(published, "the Facebook post published", patience=40)
        posts = [p for p in (await sandbox.state())["posts"] if p["_page"] == page_id]
        assert [p["id"] for p in posts] == [done["external_id"]]
        again = await another_round(settings, "facebook")  # renewed: not exchanged again
        assert again["health"] == "healthy"
        assert await sandbox.calls(EXCHANGE, "GET") == earlier + 1
    logged = " ".join(str(record.__dict__) for record in caplog.records)  # extras included
    assert "channel token renewed" in logged and not [s for s in secrets if s in logged]


async def test_an_instagram_token_near_expiry_is_refreshed_and_the_old_one_no_longer_used(
    settings: Settings, sandbox: Sandbox,
) -> None:
    account = await sandbox.account()
    old = account["ig_token"]
    await sandbox.lifetime(old, expires_in=3 * DAY, age_seconds=57 * DAY)
    earlier = await sandbox.calls(REFRESH, "GET")  # the sandbox is the session's: a delta
    async with running(create_app(fast(settings))) as client:
        view = await put(client, settings, "instagram",
                         instagram_fields(sandbox, account, token_expires_at=in_days(3)))
        assert view["health"] == "healthy", view
        raw, fields = await renewed(settings, "instagram")
        [_, new] = await sandbox.tokens("ig", account["page_id"])
        assert fields["token"] == new != old
        assert datetime.fromisoformat(fields["token_expires_at"]) > (
            datetime.now(UTC) + timedelta(days=59))
        assert old not in str(raw) and new not in str(raw)

        await sandbox.token(old, "expire")
        again = await check(client, settings, "instagram")
        assert again["health"] == "healthy"
        assert await sandbox.calls(REFRESH, "GET") == earlier + 1


@pytest.mark.parametrize("channel", ["facebook", "instagram"])
async def test_a_renewal_refused_with_190_marks_the_channel_needs_reconnect(
    settings: Settings, sandbox: Sandbox, channel: str,
) -> None:
    account = await sandbox.account()
    message = ("Error validating access token: The session has been invalidated because the "
               "user changed their password or Facebook has changed the session for security "
               "reasons.")
    if channel == "facebook":
        fields = facebook_fields(sandbox, account, app_id=account["app_id"],
                                 app_secret=account["app_secret"],
                                 user_token=account["user_token"], token_expires_at=in_days(1))
        path, token = EXCHANGE, account["page_token"]
    else:
        fields = instagram_fields(sandbox, account, token_expires_at=in_days(1))
        path, token = REFRESH, account["ig_token"]
        await sandbox.lifetime(token, expires_in=DAY, age_seconds=59 * DAY)
    await sandbox.fault(path, 190, method="GET", error_subcode=460, message=message)
    async with running(create_app(fast(settings))) as client:
        await put(client, settings, channel, fields)

        async def marked() -> dict[str, Any] | None:
            raw = await document(settings, channel)
            return raw if raw and raw["health"] == "needs_reconnect" else None

        assert (await eventually(marked, "the channel marked"))["reason"] == message
        listed = await client.get("/v1/channels", headers=editor_headers(settings))
        [row] = [c for c in listed.json()["items"] if c["name"] == channel]
        assert row["health"] == "needs_reconnect"
    raw, stored_fields = await stored(settings, channel)
    assert raw["version"] == 1  # nothing saved over the credentials the admin set
    assert token in stored_fields.values()


async def test_a_fresh_token_is_not_refreshed(settings: Settings, sandbox: Sandbox) -> None:
    account = await sandbox.account()
    await sandbox.lifetime(account["ig_token"], expires_in=50 * DAY, age_seconds=10 * DAY)
    before = (await sandbox.calls(REFRESH, "GET"), await sandbox.calls(EXCHANGE, "GET"))
    async with running(create_app(fast(settings))) as client:
        await put(client, settings, "instagram",
                  instagram_fields(sandbox, account, token_expires_at=in_days(50)))
        # A Page token without the app and User token is one that does not expire.
        await put(client, settings, "facebook", facebook_fields(sandbox, account))
        for channel in ("instagram", "facebook"):
            assert (await another_round(settings, channel))["health"] == "healthy"
    assert (await sandbox.calls(REFRESH, "GET"), await sandbox.calls(EXCHANGE, "GET")) == before
    for channel, token in (("instagram", account["ig_token"]),
                           ("facebook", account["page_token"])):
        raw, fields = await stored(settings, channel)
        assert raw["version"] == 1 and token in fields.values()


async def test_an_instagram_token_too_young_to_refresh_gets_a_safe_expiry_and_rests(
    settings: Settings, sandbox: Sandbox,
) -> None:
    """Expiry not given: the refresh learns it; a valid token Meta will not refresh yet is
    under 24 h old, so it lives 59 days more; the next round leaves it alone."""
    account = await sandbox.account()
    await sandbox.lifetime(account["ig_token"], expires_in=60 * DAY, age_seconds=600)
    async with running(create_app(fast(settings))) as client:
        await put(client, settings, "instagram", instagram_fields(sandbox, account))
        _, fields = await renewed(settings, "instagram")
        assert fields["token"] == account["ig_token"]
        left = datetime.fromisoformat(fields["token_expires_at"]) - datetime.now(UTC)
        assert timedelta(days=58) < left <= timedelta(days=59)
        calls = await sandbox.calls(REFRESH, "GET")
        assert (await another_round(settings, "instagram"))["health"] == "healthy"
        assert await sandbox.calls(REFRESH, "GET") == calls


async def test_the_start_up_round_renews_a_token_seeded_from_the_environment(
    settings: Settings, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The periodic round (one replica, under the health lease) renews without an admin."""
    account = await sandbox.account()
    await sandbox.lifetime(account["ig_token"], expires_in=2 * DAY, age_seconds=58 * DAY)
    for name, value in instagram_fields(sandbox, account, token_expires_at=in_days(2)).items():
        monkeypatch.setenv(f"WARTA_INSTAGRAM_{name.upper()}", value)
    async with running(create_app(settings)):
        raw, fields = await renewed(settings, "instagram")
    assert raw["source"] == "environment"
    assert fields["token"] == (await sandbox.tokens("ig", account["page_id"]))[-1]
