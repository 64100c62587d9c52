"""Review fixes in the publisher, against the real Telegram stand-in: a post whose answer timed
out is never sent a second time; a correction's edit and a take-down's delete that fail
transiently are retried until done."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.publisher.main import create_app
from shared.auth import Principal, issue_token
from shared.kafka import ensure_topics
from shared.settings import Settings
from tests.conftest import running
from tests.integration.publisher.test_publisher_flow import (
    SCHEDULER,
    approved,
    corrected,
    publications,
    taken_down,
)
from tests.integration.publisher.tgx_support import Control
from tests.probes import eventually, publish

SETTLED = {"published", "needs_review", "dead"}


def admin_headers(settings: Settings) -> dict[str, str]:
    token, _ = issue_token(settings, Principal(subject="test-admin", role="admin"))
    return {"Authorization": f"Bearer {token}"}


async def connect_telegram(client: httpx.AsyncClient, settings: Settings, base: str) -> str:
    """A bot and a channel of its own: the stand-in keeps every test's messages in one memory."""
    chat = f"@warta_{uuid.uuid4().hex[:8]}"
    response = await client.put("/v1/channels/telegram/credentials",
                                headers=admin_headers(settings), json={"fields": {
                                    "bot_token": f"{uuid.uuid4().int % 10**9}:{uuid.uuid4().hex}",
                                    "channel_id": chat, "api_base_url": base,
                                    "public_url_base": base}})
    assert response.status_code == 200, response.text
    return chat


async def messages(control: Control, chat: str) -> list[dict[str, Any]]:
    chats = (await control.get("/state"))["chats"]
    return list(chats.get(chat.lower(), {}).get("messages", []))


async def settled(client: httpx.AsyncClient, settings: Settings, article_id: str
                  ) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        items = await publications(client, settings, article_id)
        return items[0] if items and items[0]["state"] in SETTLED else None

    return await eventually(reached, "the publication settled", patience=40)


async def test_a_post_whose_answer_timed_out_is_not_sent_again(
    settings: Settings, sandboxes: dict[str, str],
) -> None:
    """Telegram posts, then its answer never comes: the retry must not post a second time.
    The Bot API cannot be searched for the earlier post, so an editor is asked."""
    await ensure_topics(settings.kafka_bootstrap)
    control = await Control.fresh(sandboxes["telegram"])
    article_id = str(uuid.uuid4())
    quick = settings.model_copy(update={"publisher_http_timeout_seconds": 1.0})
    await control.post("/hold", {"method": "sendMessage", "when": "after"})
    try:
        async with running(create_app(quick, scheduler_seconds=SCHEDULER)) as client:
            chat = await connect_telegram(client, quick, sandboxes["telegram"])
            await publish(quick, approved(article_id, channels=["telegram"]))
            outcome = await settled(client, quick, article_id)
    finally:
        await control.post("/hold/release", {"method": "sendMessage"})
    assert len(await messages(control, chat)) == 1
    assert outcome["state"] == "needs_review", outcome



async def published_on_telegram(client: httpx.AsyncClient, settings: Settings,
                                base: str, article_id: str) -> str:
    chat = await connect_telegram(client, settings, base)
    await publish(settings, approved(article_id, channels=["telegram"]))
    assert (await settled(client, settings, article_id))["state"] == "published"
    return chat


async def test_a_corrections_edit_that_failed_transiently_is_retried_until_done(
    settings: Settings, sandboxes: dict[str, str],
) -> None:
    """A 502 on the edit: retried with backoff and done, not left as a manual action."""
    await ensure_topics(settings.kafka_bootstrap)
    control = await Control.fresh(sandboxes["telegram"])
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        chat = await published_on_telegram(client, settings, sandboxes["telegram"], article_id)
        await control.fault("editMessageText", 502, description="Bad Gateway")
        await publish(settings, corrected(article_id, "Jalur sepeda Losari diralat", "Ralat"))

        async def edited() -> bool:
            [message] = await messages(control, chat)
            return "Jalur sepeda Losari diralat" in str(message["text"])

        await eventually(edited, "the post edited after the 502", patience=40)
        [publication] = await publications(client, settings, article_id)
    assert publication["manual_action"] is None, publication


async def test_a_take_downs_delete_that_failed_transiently_is_retried_until_done(
    settings: Settings, sandboxes: dict[str, str],
) -> None:
    """A 503 on the delete: retried with backoff and done, not only an editor's hint."""
    await ensure_topics(settings.kafka_bootstrap)
    control = await Control.fresh(sandboxes["telegram"])
    article_id = str(uuid.uuid4())
    async with running(create_app(settings, scheduler_seconds=SCHEDULER)) as client:
        chat = await published_on_telegram(client, settings, sandboxes["telegram"], article_id)
        await control.fault("deleteMessage", 503, description="Service Unavailable")
        await publish(settings, taken_down(article_id))

        async def deleted() -> bool:
            [message] = await messages(control, chat)
            return bool(message["deleted"])

        await eventually(deleted, "the post deleted after the 503", patience=40)
        [publication] = await publications(client, settings, article_id)
    assert publication["state"] == "taken_down"
    assert publication["manual_action"] is None, publication
