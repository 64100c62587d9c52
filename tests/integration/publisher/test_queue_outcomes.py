"""The publish queue against a real network (the board, over HTTP): 429 and 5xx retried with
backoff honouring Retry-After, another 4xx dead with the network's message, a token error
pausing the channel until it is reconnected, then its pending post going out once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from services.publisher.main import create_app
from shared import topics
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.queue_support import (
    CHANNEL,
    board,
    board_call,
    board_is_the_website,
    connect,
    posts_of,
)
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    corrected,
    editor_headers,
    publications,
)
from tests.probes import envelopes_in, eventually, publish, read_topic

__all__ = ["board", "board_is_the_website"]  # fixtures


async def one(client: httpx.AsyncClient, settings: Settings, article_id: str, state: str
              ) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        items = await publications(client, settings, article_id)
        return items[0] if items and items[0]["state"] == state else None

    return await eventually(reached, f"the publication {state}", patience=40)


async def test_429_and_5xx_are_retried_honouring_retry_after_and_post_once(
    settings: Settings, board: str,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        assert (await connect(client, settings, board))["health"] == "healthy"
        await board_call(board, "POST", "/_faults", [
            {"status": 429, "retry_after": 7, "error": "Too Many Requests: retry after 7"}])
        await publish(settings, approved(article_id, channels=[CHANNEL]))
        failed = await one(client, settings, article_id, "failed")
        assert failed["last_error"] == "Too Many Requests: retry after 7"
        wait = (datetime.fromisoformat(failed["next_attempt_at"])
                - datetime.fromisoformat(failed["updated_at"]))
        assert wait.total_seconds() >= 7  # the network's Retry-After, not our 5 s backoff
        await board_call(board, "POST", "/_faults", [{"status": 503, "error": "overloaded"}])
        published = await one(client, settings, article_id, "published")
    assert published["attempts"] == 2  # the 429, then the 503, then the post
    posts = await posts_of(board, article_id)
    assert len(posts) == 1 and published["external_id"] == posts[0]["id"]


async def test_another_4xx_is_dead_at_once_keeping_the_networks_message(
    settings: Settings, board: str,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await connect(client, settings, board)
        await board_call(board, "POST", "/_faults", [
            {"status": 400, "error": "Bad Request: message caption is too long"}])
        await publish(settings, approved(article_id, channels=[CHANNEL]))
        dead = await one(client, settings, article_id, "dead")
    assert dead["last_error"] == "Bad Request: message caption is too long"
    assert dead["attempts"] == 1 and await posts_of(board, article_id) == []


async def test_a_token_error_pauses_the_channel_and_reconnecting_sends_the_post_once(
    settings: Settings, board: str,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id, started = str(uuid.uuid4()), datetime.now(UTC)
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await board_call(board, "POST", "/_tokens", ["good-token", "old-token"])
        assert (await connect(client, settings, board, token="old-token"))["health"] == (
            "healthy")
        await board_call(board, "POST", "/_tokens", ["good-token"])  # revoked at the network
        await publish(settings, approved(article_id, channels=[CHANNEL]))

        async def paused() -> dict[str, Any] | None:
            items = (await client.get("/v1/channels", headers=editor_headers(settings))).json()
            [website] = [c for c in items["items"] if c["name"] == CHANNEL]
            return website if website["paused_pending"] == 1 else None

        website = await eventually(paused, "the channel paused with one post waiting")
        assert website["health"] == "needs_reconnect" and website["reason"] == "token revoked"
        assert "old-token" not in str(website)
        [waiting] = await publications(client, settings, article_id)
        assert (waiting["state"], waiting["attempts"]) == ("pending", 0)  # no attempt burnt
        ready = (await client.get("/readyz"))
        assert ready.status_code == 200
        assert ready.json()["details"]["channels"]["feed"] == "on"

        await board_call(board, "POST", "/_tokens", ["good-token"])
        reconnected = await connect(client, settings, board)  # a new token: checked at once
        assert reconnected["health"] == "healthy" and reconnected["account"] == "Papan Humas"
        published = await one(client, settings, article_id, "published")
    assert published["attempts"] == 0
    assert len(await posts_of(board, article_id)) == 1
    records = await read_topic(settings.kafka_bootstrap, topics.PUBLICATIONS, 10_000, 8)
    changes = [(e["data"]["previous"], e["data"]["health"]) for e in envelopes_in(records)
               if e["type"] == "channel.health_changed" and e["subject"] == CHANNEL
               and datetime.fromisoformat(e["occurred_at"]) >= started]
    assert changes == [("unknown", "healthy"), ("healthy", "needs_reconnect"),
                       ("needs_reconnect", "healthy")]


async def test_a_correction_the_network_cannot_edit_is_recorded_as_a_manual_action(
    settings: Settings, board: str,
) -> None:
    await ensure_topics(settings.kafka_bootstrap)
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        await board_call(board, "POST", "/_tokens", ["good-token"])
        await connect(client, settings, board)
        await publish(settings, approved(article_id, channels=[CHANNEL]))
        published = await one(client, settings, article_id, "published")
        assert published["manual_action"] is None
        fix = corrected(article_id, "Judul diralat", "Tanggal diperbaiki")
        await publish(settings, fix, fix)  # redelivered: one record, no second edit

        async def recorded() -> dict[str, Any] | None:
            [item] = await publications(client, settings, article_id)
            return item if item["manual_action"] else None

        item = await eventually(recorded, "the manual action recorded")
    action = item["manual_action"]
    assert (action["action"], action["url"]) == ("edit", published["url"])
    assert action["hint"] == "Papan tidak bisa diedit; ubah secara manual."
